use super::packages::{unpinned, GEM};
use super::Context;

declare_rule! {
    /// `gem install <gem>` without a version.
    GemUnpinned: RD417 "gem-unpinned", Info, "`gem install` without pinned versions";
    hadolint: ["DL3028"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &GEM);
}
