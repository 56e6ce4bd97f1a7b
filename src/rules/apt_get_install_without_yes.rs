use super::packages::{without_yes, APT_GET};
use super::Context;

declare_rule! {
    /// `apt-get install` without `-y`: it waits for an answer no one gives.
    AptGetInstallWithoutYes: RD400 "apt-get-install-without-yes", Warning, "`apt-get install` without `-y` stops at the confirmation prompt";
    fix: Always, hadolint: ["DL3014"]
}

fn check(cx: &mut Context<'_>) {
    without_yes(cx, &META, &APT_GET);
}
