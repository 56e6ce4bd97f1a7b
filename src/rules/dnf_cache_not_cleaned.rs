use super::packages::{cache_not_cleaned, DNF};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `dnf install` without `dnf clean all` after it in the same RUN.
pub(crate) struct DnfCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "RD427",
    slug: "dnf-cache-not-cleaned",
    summary: "`dnf install` leaves its cache in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3040"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/dnf-cache-not-cleaned.md"),
};

impl StaticRule for DnfCacheNotCleaned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        cache_not_cleaned(cx, &META, &DNF);
    }
}
