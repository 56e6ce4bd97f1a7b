use super::runs::{apk_sub, runs};
use super::{Context, FixAvailability, Rule, RuleMeta};
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

impl Rule for ApkAddUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            for cmd in &run.script.commands {
                if !apk_sub(cmd, "add") {
                    continue;
                }
                let mut skip_next = false;
                for w in cmd.args() {
                    let t = w.text();
                    if std::mem::take(&mut skip_next) {
                        continue;
                    }
                    if matches!(
                        t,
                        "-t" | "--virtual" | "-X" | "--repository" | "--arch" | "--root" | "-p"
                    ) {
                        skip_next = true;
                        continue;
                    }
                    if t.starts_with('-') || t == "add" {
                        continue;
                    }
                    if t.contains('=')
                        || t.contains('<')
                        || t.contains('>')
                        || t.contains('~')
                        || t.ends_with(".apk")
                    {
                        continue;
                    }
                    let d = cx.report(
                        &META,
                        w.span,
                        format!("package `{t}` is not pinned to a version"),
                    );
                    d.label = Some("unpinned".into());
                    d.help = Some(format!("write `{t}=<version>`"));
                }
            }
        }
    }
}
