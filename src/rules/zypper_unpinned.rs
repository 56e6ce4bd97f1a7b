use super::packages::{unpinned, ZYPPER};
use super::Context;

declare_rule! {
    /// `zypper install` of a package without a version.
    ZypperUnpinned: RD425 "zypper-unpinned", Info, "`zypper install` without pinned versions";
    hadolint: ["DL3037"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &ZYPPER);
}
