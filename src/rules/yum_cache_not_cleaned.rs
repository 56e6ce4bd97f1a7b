use super::packages::{cache_not_cleaned, YUM};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `yum install` without `yum clean all` in the same RUN.
pub(crate) struct YumCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "RD420",
    slug: "yum-cache-not-cleaned",
    summary: "`yum install` leaves its cache in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3032"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/yum-cache-not-cleaned.md"),
};

impl StaticRule for YumCacheNotCleaned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        cache_not_cleaned(cx, &META, &YUM);
    }
}
