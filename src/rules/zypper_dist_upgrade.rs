use super::packages::ZYPPER;
use super::runs::posix_commands;
use super::Context;

declare_rule! {
    /// `zypper dist-upgrade` in a RUN.
    ZypperDistUpgrade: RD423 "zypper-dist-upgrade", Warning, "`zypper dist-upgrade` in RUN";
    hadolint: ["DL3035"]
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        let Some(sub) = ZYPPER.sub(cmd, &["dist-upgrade", "dup"]) else {
            continue;
        };
        cx.report(
            &META,
            sub.span,
            "`zypper dist-upgrade` can move the image to another distribution release than its base image",
        )
        .label("distribution upgrade")
        .help("use `zypper update` for updates within the release, or a newer base image");
    }
}
