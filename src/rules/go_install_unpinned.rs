use super::packages::{unpinned, GO};
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `go install <module path>` (or `go get`) without `@version`.
pub(crate) struct GoInstallUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD430",
    slug: "go-install-unpinned",
    summary: "Remote Go package installed at `@latest`, or `go get` without a version",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3062"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/go-install-unpinned.md"),
};

impl StaticRule for GoInstallUnpinned {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        unpinned(cx, &META, &GO);
    }
}
