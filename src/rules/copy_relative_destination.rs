use super::util::{earlier_in_chain, expanded};
use super::Context;
use crate::syntax::Kind;

declare_rule! {
    /// COPY or ADD to a relative path in a stage that sets no WORKDIR.
    CopyRelativeDestination: RD432 "copy-relative-destination", Warning, "COPY to a relative destination with no WORKDIR set";
    hadolint: ["DL3045"]
}

pub(crate) fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for (ii, stage, inst) in model.instructions_of(&[Kind::Copy, Kind::Add]) {
        let Some(stage) = stage else { continue };
        let words = inst.words();
        if words.len() < 2 {
            continue;
        }
        let Some(dest_word) = words.last() else {
            continue;
        };
        let Some(dest) = expanded(model, ii, &dest_word.text) else {
            continue;
        };
        if dest.is_empty() || is_absolute(&dest) || dest.contains('$') {
            continue;
        }
        if earlier_in_chain(model, stage, ii, Kind::Workdir) {
            continue;
        }
        let name = inst.kind().as_str();
        cx.report(
            &META,
            dest_word.span,
            format!(
                "{name} to the relative path `{dest}` with no WORKDIR set in this stage: it lands wherever the base image's working directory is"
            ),
        )
        .label("relative to the base image's WORKDIR")
        .help(
            "set `WORKDIR /some/dir` earlier in the stage, or write an absolute destination",
        );
    }
}
