use super::runs::{runs, tool_sub, RPM_VALUED};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `yum install` without `-y`.
pub(crate) struct YumInstallWithoutYes;

static META: RuleMeta = RuleMeta {
    id: "RD419",
    slug: "yum-install-without-yes",
    summary: "`yum install` without `-y` stops at the confirmation prompt",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &["DL3030"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/yum-install-without-yes.md"),
};

impl Rule for YumInstallWithoutYes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let subs = ["install", "groupinstall", "localinstall", "reinstall"];
                let Some(sub) = tool_sub(cmd, &["yum"], &subs, RPM_VALUED) else {
                    continue;
                };
                if cmd.has_flag("-y") || cmd.has_flag("--assumeyes") {
                    continue;
                }
                let d = cx.report(
                    &META,
                    sub.span,
                    format!("`yum {}` without `-y` asks for confirmation", sub.text()),
                );
                d.label = Some("no -y".into());
                d.help = Some("add `-y`".into());
                d.fix = Some(Fix::safe(
                    "Add `-y`",
                    vec![Edit::insert(sub.span.end, " -y")],
                ));
            }
        }
    }
}
