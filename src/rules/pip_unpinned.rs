use super::packages::{unpinned, PIP};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `pip install` of a package without a version.
pub(crate) struct PipUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD415",
    slug: "pip-unpinned",
    summary: "`pip install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3013"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/pip-unpinned.md"),
};

impl StaticRule for PipUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &PIP);
    }
}
