use super::util::node_lines;
use super::Context;
use crate::diagnostic::Related;
use crate::fix::{Edit, Fix};
use crate::syntax::Kind;

declare_rule! {
    /// Several CMD, ENTRYPOINT or HEALTHCHECK instructions in one stage.
    RepeatedFinalInstruction: RD114 "repeated-final-instruction", Warning, "CMD, ENTRYPOINT or HEALTHCHECK given more than once in a stage";
    fix: Always, hadolint: ["DL4003", "DL4004", "DL3012"], buildkit: "MultipleInstructionsDisallowed"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for stage in &model.stages {
        for kind in [Kind::Cmd, Kind::Entrypoint, Kind::Healthcheck] {
            let all: Vec<usize> = stage
                .body
                .iter()
                .copied()
                .filter(|&i| model.instruction(i).kind() == kind)
                .collect();
            let Some((&last, earlier)) = all.split_last() else {
                continue;
            };
            for &ii in earlier {
                let inst = model.instruction(ii);
                let name = kind.as_str();
                let d = cx
                    .report(
                        &META,
                        inst.keyword.span,
                        format!(
                            "multiple {name} instructions in stage `{}`: only the last one is used",
                            stage.label()
                        ),
                    )
                    .label("overridden later in the stage");
                d.related = vec![Related {
                    span: model.instruction(last).keyword.span,
                    message: format!("the {name} that is used"),
                }];
                d.fix = Some(Fix::unsafe_(
                    format!("Delete the overridden {name}"),
                    vec![Edit::delete(node_lines(model, ii))],
                ));
            }
        }
    }
}
