use super::runs::{operands_after, pip_install, runs, PIP_VALUED};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// `pip install` of a package without a version.
pub(crate) struct PipUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD415",
    slug: "pip-unpinned",
    summary: "`pip install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3013"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/pip-unpinned.md"),
};

const VERSION_OPERATORS: [&str; 7] = ["==", ">=", "<=", ">", "<", "!=", "~="];

/// Whether a pip requirement names a version or a fixed artifact.
fn pinned(p: &str) -> bool {
    // A VCS URL is pinned by `@ref` after the repository path.
    let vcs = ["git+", "hg+", "svn+", "bzr+", "git://"]
        .iter()
        .any(|s| p.starts_with(s));
    if vcs {
        let last = p
            .split('#')
            .next()
            .unwrap_or(p)
            .rsplit('/')
            .next()
            .unwrap_or("");
        return last.contains('@');
    }
    VERSION_OPERATORS.iter().any(|o| p.contains(o))
        || p.contains('@')
        || p.contains('/')
        || p.starts_with('.')
        || [".whl", ".tar.gz", ".zip", ".tar.bz2"]
            .iter()
            .any(|s| p.ends_with(s))
}

impl Rule for PipUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let Some(install) = pip_install(cmd) else {
                    continue;
                };
                // Versions come from a requirements or constraints file.
                let from_file = cmd.args().iter().any(|w| {
                    let t = w.text();
                    ["-r", "--requirement", "-c", "--constraint"]
                        .iter()
                        .any(|f| t == *f || t.starts_with(&format!("{f}=")))
                        || (t.starts_with("-r") || t.starts_with("-c")) && t.len() > 2
                });
                if from_file {
                    continue;
                }
                for p in operands_after(cmd, install, PIP_VALUED) {
                    let Some(t) = p.lit.as_deref() else { continue };
                    if pinned(t) {
                        continue;
                    }
                    let d = cx.report(
                        &META,
                        p.span,
                        format!("package `{t}` is not pinned to a version"),
                    );
                    d.label = Some("unpinned".into());
                    d.help = Some(format!(
                        "write `{t}==<version>`, or install from a requirements file with `-r`"
                    ));
                }
            }
        }
    }
}
