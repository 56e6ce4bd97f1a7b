use super::packages::{unpinned, GEM};
use super::{Context, FixAvailability, Rule, RuleMeta};
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

impl Rule for GemUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &GEM);
    }
}
