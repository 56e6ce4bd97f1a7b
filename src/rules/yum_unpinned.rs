use super::packages::{unpinned, YUM};
use super::Context;

declare_rule! {
    /// `yum install` of a package without a version.
    YumUnpinned: RD421 "yum-unpinned", Info, "`yum install` without pinned versions";
    hadolint: ["DL3033"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &YUM);
}
