use super::packages::{unpinned, PIP};
use super::Context;

declare_rule! {
    /// `pip install` of a package without a version.
    PipUnpinned: RD415 "pip-unpinned", Info, "`pip install` without pinned versions";
    hadolint: ["DL3013"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &PIP);
}
