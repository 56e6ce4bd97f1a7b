use super::runs::{operands_after, runs, tool_sub};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// `gem install <gem>` without a version.
pub(crate) struct GemUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD417",
    slug: "gem-unpinned",
    summary: "`gem install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3028"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/gem-unpinned.md"),
};

const GEM_VALUED: &[&str] = &[
    "-s",
    "--source",
    "-n",
    "--bindir",
    "-i",
    "--install-dir",
    "--platform",
    "-P",
    "--trust-policy",
    "--build-root",
    "--document",
    "-g",
    "--file",
];

impl Rule for GemUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                let Some(sub) = tool_sub(cmd, &["gem"], &["install", "i"], GEM_VALUED) else {
                    continue;
                };
                let versioned = cmd.args().iter().any(|w| {
                    let t = w.text();
                    t == "-v"
                        || t == "--version"
                        || t.starts_with("--version=")
                        || (t.starts_with("-v") && t.len() > 2 && !t.starts_with("--"))
                });
                if versioned {
                    continue;
                }
                for p in operands_after(cmd, sub, GEM_VALUED) {
                    let Some(t) = p.lit.as_deref() else { continue };
                    if t.contains(':') || t.ends_with(".gem") || t.contains('/') {
                        continue;
                    }
                    let d = cx.report(
                        &META,
                        p.span,
                        format!("gem `{t}` is not pinned to a version"),
                    );
                    d.label = Some("unpinned".into());
                    d.help = Some(format!("write `{t}:<version>` or add `-v <version>`"));
                }
            }
        }
    }
}
