use super::runs::{operands_after, runs, tool_sub, ZYPPER_VALUED};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// `zypper install` of a package without a version.
pub(crate) struct ZypperUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD425",
    slug: "zypper-unpinned",
    summary: "`zypper install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3037"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/zypper-unpinned.md"),
};

impl Rule for ZypperUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let Some(sub) = tool_sub(cmd, &["zypper"], &["install", "in"], ZYPPER_VALUED)
                else {
                    continue;
                };
                for p in operands_after(cmd, sub, ZYPPER_VALUED) {
                    let Some(t) = p.lit.as_deref() else { continue };
                    if t.contains(['=', '<', '>', '/']) || t.ends_with(".rpm") {
                        continue;
                    }
                    let d = cx.report(
                        &META,
                        p.span,
                        format!("package `{t}` is not pinned to a version"),
                    );
                    d.label = Some("unpinned".into());
                    d.help = Some(format!("write `{t}=<version>`"));
                }
            }
        }
    }
}
