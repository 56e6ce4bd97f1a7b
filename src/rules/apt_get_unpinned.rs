use super::packages::{unpinned, APT_GET};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `apt-get install pkg` without `=version`.
pub(crate) struct AptGetUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD403",
    slug: "apt-get-unpinned",
    summary: "`apt-get install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3008"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/apt-get-unpinned.md"),
};

impl StaticRule for AptGetUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &APT_GET);
    }
}
