use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::{Severity, Span};
use crate::syntax::levenshtein;

/// `--target` names no stage of the file.
pub(crate) struct UnknownTarget;

static META: RuleMeta = RuleMeta {
    id: "RD109",
    slug: "unknown-target",
    summary: "The build target names no stage",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &[],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/unknown-target.md"),
};

impl StaticRule for UnknownTarget {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
