use petgraph::algo::tarjan_scc;

use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// A stage that needs itself, directly or through other stages.
pub(crate) struct CircularStageReference;

static META: RuleMeta = RuleMeta {
    id: "RD103",
    slug: "circular-stage-reference",
    summary: "Stage depends on itself",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["DL3023"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/circular-stage-reference.md"),
};

impl StaticRule for CircularStageReference {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        let mut in_cycle = vec![false; model.stages.len()];
        for scc in tarjan_scc(&graph.graph) {
            if scc.len() > 1 {
                for n in scc {
                    in_cycle[graph.graph[n]] = true;
                }
            }
        }
        for r in &model.references {
            let crate::model::RefTarget::Stage(t) = r.target else {
                continue;
            };
            let message = if t == r.stage {
                format!("stage `{}` refers to itself", model.stages[t].label())
            } else if in_cycle[t] && in_cycle[r.stage] && t > r.stage {
                format!(
                    "stage `{}` needs `{}`, which needs `{}` back: the build cannot start",
                    model.stages[r.stage].label(),
                    model.stages[t].label(),
                    model.stages[r.stage].label()
                )
            } else {
                continue;
            };
            cx.report(&META, r.span, message)
                .label("circular reference")
                .help("a stage can only use stages defined before it");
        }
    }
}
