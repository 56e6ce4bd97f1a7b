use super::runs::{posix_commands, unquoted_expansions};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::{Severity, Span};

/// `$(...)` unquoted in a command's arguments: its output is split and globbed.
pub(crate) struct UnquotedCommandSubstitution;

static META: RuleMeta = RuleMeta {
    id: "RD302",
    slug: "unquoted-command-substitution",
    summary: "Unquoted command substitution in RUN is split into words and globbed",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["SC2046"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/unquoted-command-substitution.md"),
};

impl StaticRule for UnquotedCommandSubstitution {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
