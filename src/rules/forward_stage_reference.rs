use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::{Related, Severity};
use crate::model::RefTarget;

/// A reference to a stage defined later in the file.
pub(crate) struct ForwardStageReference;

static META: RuleMeta = RuleMeta {
    id: "RD104",
    slug: "forward-stage-reference",
    summary: "Stage refers to a stage defined after it",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3022"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/forward-stage-reference.md"),
};

impl StaticRule for ForwardStageReference {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for r in &model.references {
            let RefTarget::Stage(t) = r.target else {
                continue;
            };
            if t <= r.stage {
                continue;
            }
            let later = model.stages[t].label();
            let d = cx.report(
                &META,
                r.span,
                format!(
                    "`{}` refers to stage `{later}`, which is defined later: the legacy builder reads it as an image name",
                    r.raw
                ),
            )
            .label("defined further down");
            d.related.push(Related {
                span: model.from_instruction(t).span,
                message: format!("stage `{later}` is defined here"),
            });
            d.help = Some(format!("move stage `{later}` above the stage that uses it"));
        }
    }
}
