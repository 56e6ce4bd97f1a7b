use super::packages::ZYPPER;
use super::runs::posix_commands;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `zypper dist-upgrade` in a RUN.
pub(crate) struct ZypperDistUpgrade;

static META: RuleMeta = RuleMeta {
    id: "RD423",
    slug: "zypper-dist-upgrade",
    summary: "`zypper dist-upgrade` in RUN",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3035"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/zypper-dist-upgrade.md"),
};

impl StaticRule for ZypperDistUpgrade {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
