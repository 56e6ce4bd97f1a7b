use super::packages::{unpinned, YUM};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `yum install` of a package without a version.
pub(crate) struct YumUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD421",
    slug: "yum-unpinned",
    summary: "`yum install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3033"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/yum-unpinned.md"),
};

impl StaticRule for YumUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &YUM);
    }
}
