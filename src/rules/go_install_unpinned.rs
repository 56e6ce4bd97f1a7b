use super::runs::runs;
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::shell::spec::spec;

/// `go install <module path>` (or `go get`) without `@version`.
pub(crate) struct GoInstallUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD430",
    slug: "go-install-unpinned",
    summary: "`go install` or `go get` of a remote package without a version",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3062"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/go-install-unpinned.md"),
};

impl Rule for GoInstallUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let go = spec("go");
                let Some(sub) = go.sub(cmd, &[], &["install", "get"]) else {
                    continue;
                };
                for p in go.operands_after(cmd, sub) {
                    let Some(t) = p.lit.as_deref() else { continue };
                    // Local packages (`./cmd/x`, `.`) build from the source tree.
                    let first = t.split('/').next().unwrap_or("");
                    if t.starts_with('.') || t.starts_with('/') || !first.contains('.') {
                        continue;
                    }
                    let message = match t.rsplit_once('@') {
                        None => format!("`go {} {t}` without a version", sub.text()),
                        Some((_, "latest")) => format!(
                            "`go {} {t}` follows the latest release, not a version",
                            sub.text()
                        ),
                        Some(_) => continue,
                    };
                    let d = cx.report(&META, p.span, message);
                    d.label = Some("unpinned".into());
                    let path = t.split('@').next().unwrap_or(t);
                    d.help = Some(format!("write `{path}@v<version>`"));
                }
            }
        }
    }
}
