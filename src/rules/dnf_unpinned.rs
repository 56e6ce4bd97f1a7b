use super::packages::{unpinned, DNF};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `dnf install` of a package without a version.
pub(crate) struct DnfUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD428",
    slug: "dnf-unpinned",
    summary: "`dnf install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3041"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/dnf-unpinned.md"),
};

impl StaticRule for DnfUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &DNF);
    }
}
