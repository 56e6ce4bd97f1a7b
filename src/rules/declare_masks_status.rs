use super::runs::posix_commands;
use super::Context;

declare_rule! {
    /// `export X=$(cmd)`: the status of `cmd` is lost.
    DeclareMasksStatus: RD303 "declare-masks-status", Warning, "`export`/`local`/`declare` with a command substitution hides the command's failure";
    hadolint: ["SC2155"]
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        let Some(name) = cmd.name() else { continue };
        if !matches!(
            name,
            "export" | "local" | "declare" | "readonly" | "typeset"
        ) {
            continue;
        }
        for w in cmd.args() {
            let Some((_, value)) = w.raw.split_once('=') else {
                continue;
            };
            if value.contains("$(") || value.contains('`') {
                cx.report(
                    &META,
                    w.span,
                    format!("`{name}` succeeds even when the command substitution fails"),
                )
                .label("status masked")
                .help(format!(
                    "assign first, then `{name}` the variable: `X=$(cmd) && {name} X`"
                ));
            }
        }
    }
}
