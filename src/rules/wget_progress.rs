use super::runs::runs;
use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `wget` without `--progress` or `-q`: the build log fills with progress bars.
    WgetProgress: RD411 "wget-progress", Info, "`wget` without `--progress` floods the build log";
    fix: Always, hadolint: ["DL3047"]
}

fn check(cx: &mut Context<'_>) {
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
