use super::packages::{unpinned, NPM};
use super::Context;

declare_rule! {
    /// `npm install <package>` without a version.
    NpmUnpinned: RD416 "npm-unpinned", Info, "`npm install` of a package without a version";
    hadolint: ["DL3016"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    unpinned(cx, &META, &NPM);
}
