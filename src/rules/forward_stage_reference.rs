use super::Context;
use crate::diagnostic::Related;
use crate::model::RefTarget;

declare_rule! {
    /// A reference to a stage defined later in the file.
    ForwardStageReference: RD104 "forward-stage-reference", Warning, "Stage refers to a stage defined after it";
    hadolint: ["DL3022"]
}

fn check(cx: &mut Context<'_>) {
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
