use super::runs::{apt_sub, packages, runs};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// `apt-get install pkg` without `=version`.
pub(crate) struct AptGetUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD403",
    slug: "apt-get-unpinned",
    summary: "`apt-get install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3008"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/apt-get-unpinned.md"),
};

impl Rule for AptGetUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            for cmd in &run.script.commands {
                if !apt_sub(cmd, "install") {
                    continue;
                }
                for p in packages(cmd) {
                    let t = p.text();
                    if t.contains('=') || t.ends_with(".deb") || t.contains('/') {
                        continue;
                    }
                    let d = cx.report(
                        &META,
                        p.span,
                        format!("package `{t}` is not pinned to a version"),
                    );
                    d.label = Some("unpinned".into());
                    d.help = Some(format!("write `{t}=<version>`"));
                }
            }
        }
    }
}
