use super::runs::runs;
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// `cd dir` in RUN where WORKDIR says it once for the stage.
pub(crate) struct CdInsteadOfWorkdir;

static META: RuleMeta = RuleMeta {
    id: "RD406",
    slug: "cd-instead-of-workdir",
    summary: "`cd` in RUN where WORKDIR would do",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3003"],
    buildkit: None,
    default_enabled: true,
    doc: include_str!("../../rules/cd-instead-of-workdir.md"),
};

impl Rule for CdInsteadOfWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            let first = run.script.commands.first();
            for (i, cmd) in run.script.commands.iter().enumerate() {
                if cmd.name() != Some("cd")
                    || cmd.ctx.in_subshell
                    || cmd.ctx.in_loop
                    || cmd.ctx.in_function
                {
                    continue;
                }
                // Only the first command: a `cd` later in the chain into a
                // directory an earlier command made (clone, mkdir, tar) cannot
                // become a WORKDIR before the RUN. hadolint flags every `cd`.
                let Some(dir) = cmd.operands().next() else {
                    continue;
                };
                if i != 0 || first.is_none() || dir.lit.is_none() || cmd.ctx.conditional {
                    continue;
                }
                if matches!(dir.text(), "-" | "~") {
                    continue;
                }
                let d = cx.report(
                    &META,
                    cmd.span,
                    format!(
                        "`cd {}` at the start of RUN: use `WORKDIR {}`",
                        dir.text(),
                        dir.text()
                    ),
                );
                d.label = Some("cd".into());
                d.help = Some(
                    "WORKDIR sets the directory for the following instructions and creates it"
                        .into(),
                );
            }
        }
    }
}
