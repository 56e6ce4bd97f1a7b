use super::runs::posix_commands;
use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `sudo` in a RUN.
    SudoCommand: RD413 "sudo-command", Warning, "`sudo` in RUN";
    fix: Sometimes, hadolint: ["DL3004"]
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        if cmd.base_name() != Some("sudo") {
            continue;
        }
        // `sudo -u app cmd`: switching to another user, which USER does
        // for the step; otherwise sudo is there to become root.
        let words: Vec<&str> = cmd.words.iter().map(|w| w.text()).collect();
        let to_user: Option<String> = words
            .iter()
            .position(|w| matches!(*w, "-u" | "--user"))
            .and_then(|i| words.get(i + 1).map(|u| u.to_string()))
            .or_else(|| {
                words
                    .iter()
                    .find_map(|w| w.strip_prefix("--user="))
                    .map(str::to_string)
            });
        let message = match &to_user {
            Some(u) => format!("`sudo -u {u}` in a RUN: `USER {u}` runs the step as that user"),
            None => "`sudo` in a RUN: the step already runs as the stage's USER".to_string(),
        };
        let d = cx
            .report(&META, cmd.words[0].span, message)
            .label("sudo")
            .help(
                "switch with `USER root` before the step and back after it; to drop privileges when the container starts, use `gosu` or `su-exec`",
            );
        // `sudo cmd ...` with no sudo options: drop the word.
        let Some(next) = cmd.words.get(1) else {
            continue;
        };
        let plain =
            next.lit.is_some() && !next.text().starts_with('-') && !next.text().contains('=');
        if plain && cmd.assignments.is_empty() {
            d.fix = Some(Fix::unsafe_(
                "Remove `sudo` (if the stage's USER is not root, the command now runs as that user)",
                vec![Edit::delete(Span::new(
                    cmd.words[0].span.start,
                    next.span.start,
                ))],
            ));
        }
    }
}
