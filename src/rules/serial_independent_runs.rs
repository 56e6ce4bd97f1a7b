use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::{Related, Severity, Span};
use crate::parallel;

/// RUN steps of one stage that do not depend on each other but run one after another.
pub(crate) struct SerialIndependentRuns;

static META: RuleMeta = RuleMeta {
    id: "RD501",
    slug: "serial-independent-runs",
    summary: "Independent RUN steps run one after another",
    severity: Severity::Info,
    fix: FixAvailability::Always,
    hadolint: &[],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/serial-independent-runs.md"),
};

fn secs(s: f64) -> String {
    let r = (s * 10.0).round() / 10.0;
    if r >= 10.0 || r.fract() == 0.0 {
        format!("{r:.0}s")
    } else {
        format!("{r:.1}s")
    }
}

impl Rule for SerialIndependentRuns {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        // Stage names the rewrites of this file take, so that two fixes
        // applied in one pass never pick the same one.
        let mut reserved: Vec<String> = Vec::new();
        for s in 0..model.stages.len() {
            if cx.cancelled() {
                return;
            }
            // Dead stages are another rule's business.
            if !graph.reachable.get(s).copied().unwrap_or(false) {
                continue;
            }
            let analysis = parallel::analyze_stage(model, s, &cx.settings.commands);
            let Some(p) = &analysis.proposal else {
                continue;
            };
            let Some(fix) = parallel::rewrite(model, &analysis, p, &mut reserved) else {
                continue;
            };
            let first = model.instruction(analysis.steps[p.segment[0]].instruction);
            let last = model.instruction(
                analysis.steps[*p.segment.last().unwrap_or(&p.segment[0])].instruction,
            );
            let chains: Vec<String> = p
                .split
                .iter()
                .map(|c| format!("{} ~{}", c.name, secs(c.cost)))
                .collect();
            let d = cx.report(
                &META,
                Span::new(first.span.start, last.span.end),
                format!(
                    "stage `{}` runs {} independent RUN chains one after another ({}): as parallel stages the estimated time drops from {} to {}",
                    model.stages[s].label(),
                    p.split.len(),
                    chains.join(", "),
                    secs(p.serial_seconds),
                    secs(p.parallel_seconds)
                ),
            );
            d.label = Some("these steps touch separate files".into());
            d.related = p
                .split
                .iter()
                .map(|c| {
                    let i = model.instruction(analysis.steps[c.steps[0]].instruction);
                    Related {
                        span: i.keyword.span,
                        message: format!(
                            "chain `{}` writes {}",
                            c.name,
                            c.outputs
                                .iter()
                                .map(|o| o.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    }
                })
                .collect();
            d.help = Some("`rdock explain-deps` shows why the steps are independent".into());
            d.fix = Some(fix);
        }
    }
}
