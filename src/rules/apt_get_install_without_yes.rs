use super::runs::{apt_sub, runs, sub_word};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `apt-get install` without `-y`: it waits for an answer no one gives.
pub(crate) struct AptGetInstallWithoutYes;

static META: RuleMeta = RuleMeta {
    id: "RD400",
    slug: "apt-get-install-without-yes",
    summary: "`apt-get install` without `-y` stops at the confirmation prompt",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &["DL3014"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/apt-get-install-without-yes.md"),
};

impl Rule for AptGetInstallWithoutYes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            for cmd in &run.script.commands {
                if !apt_sub(cmd, "install") {
                    continue;
                }
                let yes = ["-y", "--yes", "--assume-yes", "-q=2", "-qq"]
                    .iter()
                    .any(|f| cmd.has_flag(f))
                    || cmd.args().iter().any(|w| w.text().starts_with("-q=2"));
                if yes {
                    continue;
                }
                let Some(sub) = sub_word(cmd, "install") else {
                    continue;
                };
                let d = cx.report(
                    &META,
                    sub.span,
                    "`apt-get install` without `-y` asks for confirmation",
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
