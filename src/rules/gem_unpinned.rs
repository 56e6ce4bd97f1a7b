use super::packages::{unpinned, GEM};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `gem install <gem>` without a version.
pub(crate) struct GemUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD417",
    slug: "gem-unpinned",
    summary: "`gem install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3028"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/gem-unpinned.md"),
};

impl StaticRule for GemUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &GEM);
    }
}
