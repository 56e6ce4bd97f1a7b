use super::packages::{cache_not_cleaned, ZYPPER};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `zypper install` without `zypper clean` after it in the same RUN.
pub(crate) struct ZypperCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "RD424",
    slug: "zypper-cache-not-cleaned",
    summary: "`zypper install` leaves its cache in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3036"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/zypper-cache-not-cleaned.md"),
};

impl StaticRule for ZypperCacheNotCleaned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        cache_not_cleaned(cx, &META, &ZYPPER);
    }
}
