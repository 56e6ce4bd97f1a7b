use super::runs::runs;
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// A RUN body the shell cannot parse.
pub(crate) struct ShellSyntaxError;

static META: RuleMeta = RuleMeta {
    id: "RD305",
    slug: "shell-syntax-error",
    summary: "RUN body is not valid shell syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["SC1088", "SC1065", "SC1073", "SC1072"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/shell-syntax-error.md"),
};

impl Rule for ShellSyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix || run.inst.is_exec_form() {
                continue;
            }
            let Some(err) = &run.script.error else {
                continue;
            };
            if err.repeated {
                continue;
            }
            if err.limit {
                let d = cx.report(
                    &META,
                    err.span,
                    format!("rdock does not analyse this RUN: {}", err.message),
                );
                d.label = Some("not analysed".into());
                d.help = Some(
                    "the rules that read shell skip this RUN; split it into smaller steps, or ignore RD305 here"
                        .into(),
                );
                continue;
            }
            let d = cx.report(
                &META,
                err.span,
                format!("the shell cannot parse this RUN: {}", err.message),
            );
            d.label = Some("parsing stopped here".into());
            d.help = Some(
                "check quotes and parentheses; `name() {...}` needs a body, and `(` starts a subshell"
                    .into(),
            );
        }
    }
}
