use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::{Related, Severity};

/// Two stages with the same name (BuildKit compares names case-insensitively).
pub(crate) struct DuplicateStageName;

static META: RuleMeta = RuleMeta {
    id: "RD105",
    slug: "duplicate-stage-name",
    summary: "Two stages have the same name",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["DL3024"],
    buildkit: Some("DuplicateStageName"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/duplicate-stage-name.md"),
};

impl StaticRule for DuplicateStageName {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for (i, stage) in model.stages.iter().enumerate() {
            let Some(name) = &stage.name else { continue };
            // The first stage with this name, looked up in the model's index
            // (linear over all stages, not quadratic).
            let first = model
                .stage_by_name(&name.text)
                .filter(|&f| f < i)
                .map(|f| &model.stages[f]);
            let Some(first) = first else { continue };
            let first_name = first.name.as_ref().map(|n| n.span).unwrap_or_default();
            let d = cx
                .report(
                    &META,
                    name.span,
                    format!(
                        "duplicate stage name `{}`: stage {} already has it",
                        name.text, first.index
                    ),
                )
                .label("name used again");
            d.related.push(Related {
                span: first_name,
                message: "first used here".into(),
            });
            d.help = Some("give each stage its own name".into());
        }
    }
}
