use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::model::RESERVED_STAGE_NAMES;

/// A stage named `scratch` or `context`.
pub(crate) struct ReservedStageName;

static META: RuleMeta = RuleMeta {
    id: "RD106",
    slug: "reserved-stage-name",
    summary: "Stage name is reserved",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["DL3063"],
    buildkit: Some("ReservedStageName"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/reserved-stage-name.md"),
};

impl StaticRule for ReservedStageName {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
