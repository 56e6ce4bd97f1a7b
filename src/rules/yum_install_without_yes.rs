use super::packages::{without_yes, YUM};
use super::Context;

declare_rule! {
    /// `yum install` without `-y`.
    YumInstallWithoutYes: RD419 "yum-install-without-yes", Warning, "`yum install` without `-y` stops at the confirmation prompt";
    fix: Always, hadolint: ["DL3030"]
}

fn check(cx: &mut Context<'_>) {
    without_yes(cx, &META, &YUM);
}
