use super::packages::{without_yes, DNF};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

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

impl StaticRule for DnfInstallWithoutYes {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        without_yes(cx, &META, &DNF);
    }
}
