use super::runs::{runs, tool_sub, ZYPPER_VALUED};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// A zypper command that changes packages without `--non-interactive` or `-y`.
pub(crate) struct ZypperWithoutYes;

static META: RuleMeta = RuleMeta {
    id: "RD422",
    slug: "zypper-without-yes",
    summary: "`zypper install` without `-y` or `--non-interactive` stops at the prompt",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &["DL3034"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/zypper-without-yes.md"),
};

impl Rule for ZypperWithoutYes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let subs = [
                    "install",
                    "in",
                    "remove",
                    "rm",
                    "source-install",
                    "si",
                    "patch",
                ];
                let Some(sub) = tool_sub(cmd, &["zypper"], &subs, ZYPPER_VALUED) else {
                    continue;
                };
                let yes = ["-y", "--no-confirm", "-n", "--non-interactive"]
                    .iter()
                    .any(|f| cmd.has_flag(f));
                if yes {
                    continue;
                }
                let d = cx.report(
                    &META,
                    sub.span,
                    format!(
                        "`zypper {}` without `--non-interactive` asks for confirmation",
                        sub.text()
                    ),
                );
                d.label = Some("interactive".into());
                d.help = Some("write `zypper --non-interactive ...` (or `-n`)".into());
                d.fix = Some(Fix::safe(
                    "Add `--non-interactive`",
                    vec![Edit::insert(cmd.words[0].span.end, " --non-interactive")],
                ));
            }
        }
    }
}
