use super::packages::{without_yes, ZYPPER};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

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

impl StaticRule for ZypperWithoutYes {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        without_yes(cx, &META, &ZYPPER);
    }
}
