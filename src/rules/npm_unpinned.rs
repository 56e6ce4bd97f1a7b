use super::packages::{unpinned, NPM};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `npm install <package>` without a version.
pub(crate) struct NpmUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD416",
    slug: "npm-unpinned",
    summary: "`npm install` of a package without a version",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3016"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/npm-unpinned.md"),
};

impl StaticRule for NpmUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &NPM);
    }
}
