use super::runs::posix_commands;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `export X=$(cmd)`: the status of `cmd` is lost.
pub(crate) struct DeclareMasksStatus;

static META: RuleMeta = RuleMeta {
    id: "RD303",
    slug: "declare-masks-status",
    summary: "`export`/`local`/`declare` with a command substitution hides the command's failure",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["SC2155"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/declare-masks-status.md"),
};

impl StaticRule for DeclareMasksStatus {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
