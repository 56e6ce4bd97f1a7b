use super::packages::{unpinned, DNF};
use super::Context;

declare_rule! {
    /// `dnf install` of a package without a version.
    DnfUnpinned: RD428 "dnf-unpinned", Info, "`dnf install` without pinned versions";
    hadolint: ["DL3041"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &DNF);
}
