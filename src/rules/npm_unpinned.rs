use super::runs::runs;
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::shell::spec::spec;

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

/// The version part of a package spec, `None` for a folder, tarball or
/// git URL with a commit (which are fixed), `Some("")` when there is none.
fn version(p: &str) -> Option<&str> {
    let git = [
        "git://",
        "git+ssh://",
        "git+http://",
        "git+https://",
        "github:",
    ];
    if git.iter().any(|g| p.starts_with(g)) {
        return if p.contains('#') { None } else { Some("") };
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/", "file:"]
            .iter()
            .any(|s| p.starts_with(s))
        || p.contains("://")
    {
        return None;
    }
    let unscoped = match p.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map_or(rest, |(_, name)| name),
        None => p,
    };
    Some(unscoped.split_once('@').map_or("", |(_, v)| v))
}

impl Rule for NpmUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let npm = spec("npm");
                let Some(sub) = npm.sub(cmd, &[], &["install", "i", "add"]) else {
                    continue;
                };
                for p in npm.operands_after(cmd, sub) {
                    let Some(t) = p.lit.as_deref() else { continue };
                    let Some(v) = version(t) else { continue };
                    let message = match v {
                        "" => format!("package `{t}` is not pinned to a version"),
                        "latest" | "next" => {
                            format!("package `{t}` follows the moving `{v}` tag, not a version")
                        }
                        _ => continue,
                    };
                    let d = cx.report(&META, p.span, message);
                    d.label = Some("unpinned".into());
                    let name = t
                        .rsplit_once('@')
                        .filter(|(n, _)| !n.is_empty())
                        .map_or(t, |(n, _)| n);
                    d.help = Some(format!("write `{name}@<version>`"));
                }
            }
        }
    }
}
