use super::runs::runs;
use super::util::expanded;
use super::Context;
use crate::diagnostic::Related;
use crate::syntax::Kind;

declare_rule! {
    /// A local tar archive COPYed into the image, then unpacked by a RUN.
    CopiedArchiveExtracted: RD440 "copied-archive-extracted", Info, "Archive copied in, then unpacked by RUN: ADD unpacks it without keeping the archive";
    hadolint: ["DL3010"]
}

/// Tar archives ADD unpacks by itself (identity, gzip, bzip2, xz).
const TAR: [&str; 8] = [
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz",
];

fn base(p: &str) -> &str {
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

/// Whether `cmd` extracts with tar (`-x`, `--extract`, `--get`, `xzf`).
fn tar_extracts(cmd: &crate::shell::Command) -> bool {
    if cmd.base_name() != Some("tar") {
        return false;
    }
    let args = cmd.args();
    let old_style = args
        .first()
        .is_some_and(|w| !w.text().starts_with('-') && w.text().contains('x'));
    old_style
        || args.iter().any(|w| {
            let t = w.text();
            t == "--extract"
                || t == "--get"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains('x'))
        })
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let all_runs = runs(model);
    for stage in &model.stages {
        for &ii in &stage.body {
            let inst = model.instruction(ii);
            if inst.kind() != Kind::Copy || inst.flag("from").is_some() {
                continue;
            }
            let words = inst.words();
            if words.len() < 2 || !inst.heredocs.is_empty() {
                continue;
            }
            let dest = expanded(model, ii, &words[words.len() - 1].text).unwrap_or_default();
            for src in &words[..words.len() - 1] {
                let Some(path) = expanded(model, ii, &src.text) else {
                    continue;
                };
                let lower = path.to_ascii_lowercase();
                if !TAR.iter().any(|e| lower.ends_with(e)) || path.contains(['*', '?', '[']) {
                    continue;
                }
                // The name it has in the image: the destination's, when that is a file.
                let name = if dest.ends_with('/') || dest == "." || dest.is_empty() {
                    base(&path).to_string()
                } else {
                    base(&dest).to_string()
                };
                let extract = all_runs
                    .iter()
                    .filter(|r| r.stage == stage.index && r.ii > ii)
                    .flat_map(|r| r.script.commands.iter())
                    .find(|c| {
                        tar_extracts(c)
                            && !c
                                .args()
                                .iter()
                                .any(|w| w.text().starts_with("--strip-components"))
                            && c.args()
                                .iter()
                                .any(|w| w.lit.as_deref().is_some_and(|t| base(t) == name))
                    })
                    .map(|c| c.span);
                let Some(at) = extract else { continue };
                let d = cx.report(
                    &META,
                    src.span,
                    format!("`{}` is copied in and unpacked by a later RUN: ADD unpacks a local tar archive itself, and the archive never lands in a layer", base(&path)),
                )
                .label("archive");
                d.related.push(Related {
                    span: at,
                    message: "unpacked here".into(),
                });
                d.help = Some("write `ADD <archive> <directory>/` and drop the tar step".into());
            }
        }
    }
}
