use super::Context;
use crate::diagnostic::Span;
use strsim::levenshtein;

declare_rule! {
    /// `--target` names no stage of the file.
    UnknownTarget: RD109 "unknown-target", Error, "The build target names no stage"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let names: Vec<String> = model
        .stages
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.text.clone()))
        .collect();
    for t in &cx.graph.unknown_targets {
        let closest = names
            .iter()
            .map(|n| {
                (
                    levenshtein(&t.to_ascii_lowercase(), &n.to_ascii_lowercase()),
                    n,
                )
            })
            .filter(|(d, _)| *d <= 2)
            .min();
        cx.report(
            &META,
            Span::empty(model.ast.bom),
            format!("target stage `{t}` could not be found"),
        )
        .help(match (closest, names.is_empty()) {
            (Some((_, n)), _) => format!("did you mean `{n}`?"),
            (None, true) => {
                "this file has no named stages; name one with `FROM image AS name`".into()
            }
            (None, false) => format!("the named stages are: {}", names.join(", ")),
        });
    }
}
