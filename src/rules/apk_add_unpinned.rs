use super::packages::{unpinned, APK};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `apk add pkg` without `=version`.
pub(crate) struct ApkAddUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD404",
    slug: "apk-add-unpinned",
    summary: "`apk add` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3018"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/apk-add-unpinned.md"),
};

impl StaticRule for ApkAddUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &APK);
    }
}
