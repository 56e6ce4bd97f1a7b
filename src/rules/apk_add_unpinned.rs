use super::packages::{unpinned, APK};
use super::Context;

declare_rule! {
    /// `apk add pkg` without `=version`.
    ApkAddUnpinned: RD404 "apk-add-unpinned", Info, "`apk add` without pinned versions";
    hadolint: ["DL3018"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &APK);
}
