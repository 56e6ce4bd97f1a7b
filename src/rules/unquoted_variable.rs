use super::runs::{runs, unquoted_expansions};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::{Severity, Span};

/// `$var` unquoted in a command's arguments: split and globbed.
pub(crate) struct UnquotedVariable;

static META: RuleMeta = RuleMeta {
    id: "RD301",
    slug: "unquoted-variable",
    summary: "Unquoted variable in RUN is split into words and globbed",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["SC2086"],
    buildkit: None,
    default_enabled: true,
    doc: include_str!("../../rules/unquoted-variable.md"),
};

impl Rule for UnquotedVariable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                // Words after `[[` are not split; neither are assignments.
                if cmd.name() == Some("[[") {
                    continue;
                }
                for w in cmd.args() {
                    for (at, len, subst) in unquoted_expansions(&w.raw) {
                        if subst {
                            continue;
                        }
                        let span = if w.span.len() == w.raw.len() {
                            Span::new(w.span.start + at, w.span.start + at + len)
                        } else {
                            w.span
                        };
                        let name = &w.raw[at..at + len];
                        let d = cx.report(
                            &META,
                            span,
                            format!(
                                "`{name}` is unquoted: its value is split on spaces and globbed"
                            ),
                        );
                        d.label = Some("unquoted".into());
                        d.help = Some(format!("write \"{name}\""));
                    }
                }
            }
        }
    }
}
