use super::runs::{runs, tool_sub, RPM_VALUED};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `dnf install` without `-y`.
pub(crate) struct DnfInstallWithoutYes;

static META: RuleMeta = RuleMeta {
    id: "RD426",
    slug: "dnf-install-without-yes",
    summary: "`dnf install` without `-y` stops at the confirmation prompt",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &["DL3038"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/dnf-install-without-yes.md"),
};

/// dnf and its variants.
pub(crate) const DNF: [&str; 3] = ["dnf", "microdnf", "dnf5"];

impl Rule for DnfInstallWithoutYes {
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
                let Some(sub) = tool_sub(cmd, &DNF, &subs, RPM_VALUED) else {
                    continue;
                };
                if cmd.has_flag("-y") || cmd.has_flag("--assumeyes") {
                    continue;
                }
                let tool = cmd.base_name().unwrap_or("dnf");
                let d = cx.report(
                    &META,
                    sub.span,
                    format!("`{tool} {}` without `-y` asks for confirmation", sub.text()),
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
