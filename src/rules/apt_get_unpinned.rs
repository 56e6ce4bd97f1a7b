use super::packages::{unpinned, APT_GET};
use super::Context;

declare_rule! {
    /// `apt-get install pkg` without `=version`.
    AptGetUnpinned: RD403 "apt-get-unpinned", Info, "`apt-get install` without pinned versions";
    hadolint: ["DL3008"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &APT_GET);
}
