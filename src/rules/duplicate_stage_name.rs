use super::Context;
use crate::diagnostic::Related;

declare_rule! {
    /// Two stages with the same name (BuildKit compares names case-insensitively).
    DuplicateStageName: RD105 "duplicate-stage-name", Error, "Two stages have the same name";
    hadolint: ["DL3024"], buildkit: "DuplicateStageName"
}

fn check(cx: &mut Context<'_>) {
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
