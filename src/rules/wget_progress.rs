use super::runs::runs;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `wget` without `--progress` or `-q`: the build log fills with progress bars.
pub(crate) struct WgetProgress;

static META: RuleMeta = RuleMeta {
    id: "RD411",
    slug: "wget-progress",
    summary: "`wget` without `--progress` floods the build log",
    severity: Severity::Info,
    fix: FixAvailability::Always,
    hadolint: &["DL3047"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/wget-progress.md"),
};

impl StaticRule for WgetProgress {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            for cmd in &run.script.commands {
                if cmd.base_name() != Some("wget") {
                    continue;
                }
                let quiet = [
                    "-q",
                    "--quiet",
                    "-nv",
                    "--no-verbose",
                    "--progress",
                    "-o",
                    "--output-file",
                    "-a",
                    "--append-output",
                ]
                .iter()
                .any(|f| cmd.has_flag(f))
                    || cmd
                        .args()
                        .iter()
                        .any(|w| w.text().starts_with("--progress"));
                if quiet {
                    continue;
                }
                let Some(name) = cmd.words.first() else {
                    continue;
                };
                cx.report(
                    &META,
                    name.span,
                    "`wget` prints a progress bar line by line into the build log",
                )
                .label("no --progress")
                .help("add `--progress=dot:giga` (or `-q`)")
                .fix(Fix::safe(
                    "Add `--progress=dot:giga`",
                    vec![Edit::insert(name.span.end, " --progress=dot:giga")],
                ));
            }
        }
    }
}
