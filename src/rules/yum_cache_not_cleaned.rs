use super::packages::{cache_not_cleaned, YUM};
use super::Context;

declare_rule! {
    /// `yum install` without `yum clean all` in the same RUN.
    YumCacheNotCleaned: RD420 "yum-cache-not-cleaned", Info, "`yum install` leaves its cache in the final image";
    fix: Sometimes, hadolint: ["DL3032"]
}

fn check(cx: &mut Context<'_>) {
    cache_not_cleaned(cx, &META, &YUM);
}
