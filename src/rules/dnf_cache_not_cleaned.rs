use super::packages::{cache_not_cleaned, DNF};
use super::Context;

declare_rule! {
    /// `dnf install` without `dnf clean all` after it in the same RUN.
    DnfCacheNotCleaned: RD427 "dnf-cache-not-cleaned", Info, "`dnf install` leaves its cache in the final image";
    fix: Sometimes, hadolint: ["DL3040"]
}

fn check(cx: &mut Context<'_>) {
    cache_not_cleaned(cx, &META, &DNF);
}
