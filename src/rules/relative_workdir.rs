use super::util::earlier_in_chain;
use super::Context;
use crate::syntax::{Args, Kind};

declare_rule! {
    /// A relative WORKDIR before any absolute one in the stage.
    RelativeWorkdir: RD204 "relative-workdir", Warning, "WORKDIR is relative to the base image's working directory";
    hadolint: ["DL3000"], buildkit: "WorkdirRelativePath"
}

fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for stage in &model.stages {
        for &ii in &stage.body {
            let inst = model.instruction(ii);
            if inst.kind() != Kind::Workdir {
                continue;
            }
            let Args::Text(word) = &inst.args else {
                continue;
            };
            let Some(path) = model.scope.expand_at(ii, stage.index, &word.text, escape) else {
                continue;
            };
            if path.is_empty() || is_absolute(&path) {
                continue;
            }
            if earlier_in_chain(model, stage.index, ii, Kind::Workdir) {
                continue;
            }
            cx.report(
                &META,
                word.span,
                format!(
                    "relative workdir `{path}` can have unexpected results if the base image changes"
                ),
            )
            .label("relative to the base image's WORKDIR")
            .help(format!("use an absolute path, e.g. `WORKDIR /{path}`"));
        }
    }
}
