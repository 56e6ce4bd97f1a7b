use petgraph::algo::tarjan_scc;

use super::Context;

declare_rule! {
    /// A stage that needs itself, directly or through other stages.
    CircularStageReference: RD103 "circular-stage-reference", Error, "Stage depends on itself";
    hadolint: ["DL3023"]
}

fn check(cx: &mut Context<'_>) {
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
