use super::runs::{posix_commands, unquoted_expansions};
use super::Context;
use crate::diagnostic::Span;

declare_rule! {
    /// `$(...)` unquoted in a command's arguments: its output is split and globbed.
    UnquotedCommandSubstitution: RD302 "unquoted-command-substitution", Info, "Unquoted command substitution in RUN is split into words and globbed";
    hadolint: ["SC2046"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        if cmd.name() == Some("[[") || cmd.ctx.in_substitution {
            continue;
        }
        for w in cmd.args() {
            for (at, len, subst) in unquoted_expansions(&w.raw) {
                if !subst {
                    continue;
                }
                let span = if w.span.len() == w.raw.len() {
                    Span::new(w.span.start + at, w.span.start + at + len)
                } else {
                    w.span
                };
                let d = cx.report(
                    &META,
                    span,
                    "the output of this command substitution is split on spaces and globbed",
                );
                d.label = Some("unquoted".into());
                d.help = Some("quote it: \"$(...)\"".into());
            }
        }
    }
}
