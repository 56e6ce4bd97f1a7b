use super::packages::{unpinned, ZYPPER};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
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

impl StaticRule for ZypperUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &ZYPPER);
    }
}
