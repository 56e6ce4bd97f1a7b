use super::packages::{without_yes, ZYPPER};
use super::Context;

declare_rule! {
    /// A zypper command that changes packages without `--non-interactive` or `-y`.
    ZypperWithoutYes: RD422 "zypper-without-yes", Warning, "`zypper install` without `-y` or `--non-interactive` stops at the prompt";
    fix: Always, hadolint: ["DL3034"]
}

fn check(cx: &mut Context<'_>) {
    without_yes(cx, &META, &ZYPPER);
}
