use super::packages::{without_yes, YUM};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

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

impl StaticRule for YumInstallWithoutYes {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        without_yes(cx, &META, &YUM);
    }
}
