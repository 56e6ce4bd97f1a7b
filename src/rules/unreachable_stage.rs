use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::{Related, Severity, Span};
use crate::fix::{Edit, Fix};
use crate::graph::TargetSource;
use crate::model::{Model, RefTarget, StageRef};
use crate::syntax::NodeKind;

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
    unused_code: true,
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
        // References by index (`--from=0`), which deleting a stage renumbers.
        let numeric_refs: Vec<&StageRef> = model
            .references
            .iter()
            .filter(|r| r.raw.parse::<usize>().is_ok())
            .collect();
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
            d.fix = delete_stage(model, &numeric_refs, stage.index);
        }
    }
}

/// Delete a stage's instructions, renumbering index references to the
/// stages after it. Its comments stay, one per line, where the stage was: a
/// fix never deletes what a person wrote to explain something.
/// `None` when deleting would change the default target (the last stage).
fn delete_stage(model: &Model<'_>, numeric_refs: &[&StageRef], s: usize) -> Option<Fix> {
    if s + 1 == model.stages.len() {
        return None;
    }
    let deleted = model.stage_span(s);
    let mut kept = String::new();
    let mut keep = |span: Span| {
        kept.push_str(model.text[span.range()].trim_start());
        kept.push('\n');
    };
    // The stage's own nodes: looking at the whole file for each stage would
    // make the rule quadratic in the number of stages.
    let nodes = model.stages[s].nodes.clone();
    for node in model.ast.nodes.get(nodes).unwrap_or_default() {
        if !deleted.contains(node.lines) {
            continue;
        }
        match &node.kind {
            NodeKind::Comment(c) => keep(c.span),
            NodeKind::Instruction(i) => i.comments.iter().for_each(|c| keep(c.span)),
            NodeKind::Directive(_) | NodeKind::Blank => {}
        }
    }
    // A comment of the form `# key=value` that would end up at the top of the
    // file, after directives only, would turn into a parser directive (found
    // by fuzzing): no fix then.
    let at_top = model.ast.nodes[..model.stages[s].nodes.start]
        .iter()
        .all(|n| matches!(n.kind, NodeKind::Directive(_)));
    // The same holds for the comments right after the stage, which would
    // move up to the directives.
    let next_comments = model.ast.nodes[model.stages[s].nodes.end.min(model.ast.nodes.len())..]
        .iter()
        .map_while(|n| match &n.kind {
            NodeKind::Comment(c) => Some(&model.text[c.span.range()]),
            _ => None,
        });
    if at_top && kept.lines().chain(next_comments).any(looks_like_directive) {
        return None;
    }
    let mut edits = vec![Edit::replace(deleted, kept)];
    for r in numeric_refs {
        if let RefTarget::Stage(t) = r.target {
            // References inside the deleted stage go with it.
            if t > s && r.raw.parse::<usize>().is_ok() && !deleted.contains(r.span) {
                edits.push(Edit::replace(r.span, (t - 1).to_string()));
            }
        }
    }
    Some(Fix::unsafe_(
        format!(
            "Delete unreachable stage `{}`{}",
            model.stages[s].label(),
            if edits[0].replacement.is_empty() {
                ""
            } else {
                ", keeping its comments"
            }
        ),
        edits,
    ))
}

/// `# key=value`: what BuildKit reads as a parser directive at the top of a file.
fn looks_like_directive(comment: &str) -> bool {
    let Some(rest) = comment.strip_prefix('#') else {
        return false;
    };
    let rest = rest.trim_start();
    let key_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    key_len > 0 && rest[key_len..].trim_start().starts_with('=')
}
