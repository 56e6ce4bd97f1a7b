use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::{Related, Severity, Span};
use crate::fix::{Edit, Fix};
use crate::graph::TargetSource;
use crate::model::{Model, RefTarget};

/// A stage that no build target reaches.
pub(crate) struct UnreachableStage;

static META: RuleMeta = RuleMeta {
    id: "RD101",
    slug: "unreachable-stage",
    summary: "Stage is not reached by the build target",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    hadolint: &[],
    buildkit: None,
    default_enabled: true,
    doc: include_str!("../../rules/unreachable-stage.md"),
};

impl Rule for UnreachableStage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let (model, graph) = (cx.model, cx.graph);
        if !graph.unknown_targets.is_empty() || model.stages.len() < 2 {
            return;
        }
        let names = graph.target_names(model);
        let plural = if graph.targets.len() > 1 { "s" } else { "" };
        let target_desc = match graph.target_source {
            TargetSource::Cli => format!("target{plural} `{names}` (--target)"),
            TargetSource::Config => format!("target{plural} `{names}` (`targets` in .rdock.toml)"),
            TargetSource::Repository => {
                let origins: Vec<String> = cx
                    .settings
                    .discovered_targets
                    .iter()
                    .map(|t| match &t.name {
                        Some(n) => format!("`{n}` ({})", t.origin),
                        None => format!("the last stage ({})", t.origin),
                    })
                    .collect();
                let config = if cx.settings.config_targets.is_empty() {
                    String::new()
                } else {
                    ", `targets` in .rdock.toml".to_string()
                };
                format!(
                    "target{plural} `{names}` (the repository builds {}{config}; the last stage; looked at {})",
                    origins.join(", "),
                    cx.settings.target_evidence.join(", ")
                )
            }
            TargetSource::LastStage => {
                format!("target `{names}` (the last stage; no --target given)")
            }
        };
        for stage in &model.stages {
            if graph.reachable[stage.index] {
                continue;
            }
            let from = model.from_instruction(stage.index);
            let span = match &stage.name {
                Some(n) => Span::new(from.keyword.span.start, n.span.end),
                None => from.span,
            };
            let d = cx.report(
                &META,
                span,
                format!(
                    "stage `{}` is not reached by {target_desc}: BuildKit skips it, the legacy builder (DOCKER_BUILDKIT=0) builds it anyway",
                    stage.label()
                ),
            );
            d.label = Some(format!("unreachable from `{names}`"));
            d.related = graph
                .targets
                .iter()
                .map(|&t| Related {
                    span: model.from_instruction(t).span,
                    message: format!("target `{}`", model.stages[t].label()),
                })
                .collect();
            d.help = Some(
                "delete the stage, or if it is built on purpose, name it with --target or in `targets` in .rdock.toml"
                    .into(),
            );
            d.fix = delete_stage(model, stage.index);
        }
    }
}

/// Delete a stage, renumbering index references to the stages after it.
/// `None` when deleting would change the default target (the last stage).
fn delete_stage(model: &Model<'_>, s: usize) -> Option<Fix> {
    if s + 1 == model.stages.len() {
        return None;
    }
    let deleted = model.stage_span(s);
    let mut edits = vec![Edit::delete(deleted)];
    for r in &model.references {
        if let RefTarget::Stage(t) = r.target {
            // References inside the deleted stage go with it.
            if t > s && r.raw.parse::<usize>().is_ok() && !deleted.contains(r.span) {
                edits.push(Edit::replace(r.span, (t - 1).to_string()));
            }
        }
    }
    Some(Fix::unsafe_(
        format!("Delete unreachable stage `{}`", model.stages[s].label()),
        edits,
    ))
}
