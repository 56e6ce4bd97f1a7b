use super::Context;
use crate::syntax::Kind;

declare_rule! {
    /// A target image without a HEALTHCHECK.
    HealthcheckMissing: RD443 "healthcheck-missing", Info, "The built image has no HEALTHCHECK";
    hadolint: ["DL3057"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for &target in &cx.graph.targets {
        // The target and the stages it is built FROM: a HEALTHCHECK in
        // any of them (`HEALTHCHECK NONE` too, a deliberate choice) is
        // inherited by the image.
        let has_one = model.base_chain(target).any(|s| {
            model.stages[s]
                .body
                .iter()
                .any(|&ii| model.instruction(ii).kind() == Kind::Healthcheck)
        });
        if has_one {
            continue;
        }
        let from = model.from_instruction(target);
        let name = model.stages[target]
            .name
            .as_ref()
            .map_or_else(|| format!("#{target}"), |n| n.text.clone());
        cx.report(
            &META,
            from.keyword.span,
            format!("the image of stage `{name}` has no HEALTHCHECK"),
        )
        .label("no HEALTHCHECK in this image")
        .help(
            "add `HEALTHCHECK CMD <command that fails when the service is unhealthy>`, or `HEALTHCHECK NONE` to say that none is wanted",
        );
    }
}
