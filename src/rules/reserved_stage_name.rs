use super::Context;
use crate::model::RESERVED_STAGE_NAMES;

declare_rule! {
    /// A stage named `scratch` or `context`.
    ReservedStageName: RD106 "reserved-stage-name", Error, "Stage name is reserved";
    hadolint: ["DL3063"], buildkit: "ReservedStageName"
}

fn check(cx: &mut Context<'_>) {
    for stage in &cx.model.stages {
        let Some(name) = &stage.name else { continue };
        let lower = name.text.to_ascii_lowercase();
        if RESERVED_STAGE_NAMES.contains(&lower.as_str()) {
            cx.report(
                &META,
                name.span,
                format!("`{}` is reserved and cannot name a stage", name.text),
            )
            .label("reserved name")
            .help(format!("rename the stage, e.g. `{lower}-stage`"));
        }
    }
}
