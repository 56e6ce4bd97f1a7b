use super::packages::{without_yes, APT_GET};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

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

impl StaticRule for AptGetInstallWithoutYes {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        without_yes(cx, &META, &APT_GET);
    }
}
