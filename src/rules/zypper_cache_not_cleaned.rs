use super::packages::{cache_not_cleaned, ZYPPER};
use super::Context;

declare_rule! {
    /// `zypper install` without `zypper clean` after it in the same RUN.
    ZypperCacheNotCleaned: RD424 "zypper-cache-not-cleaned", Info, "`zypper install` leaves its cache in the final image";
    fix: Sometimes, hadolint: ["DL3036"]
}

fn check(cx: &mut Context<'_>) {
    cache_not_cleaned(cx, &META, &ZYPPER);
}
