use super::packages::{without_yes, DNF};
use super::Context;

declare_rule! {
    /// `dnf install` without `-y`.
    DnfInstallWithoutYes: RD426 "dnf-install-without-yes", Warning, "`dnf install` without `-y` stops at the confirmation prompt";
    fix: Always, hadolint: ["DL3038"]
}

fn check(cx: &mut Context<'_>) {
    without_yes(cx, &META, &DNF);
}
