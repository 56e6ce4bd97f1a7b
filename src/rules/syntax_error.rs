use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// What BuildKit's parser or instruction reader refuses.
pub(crate) struct SyntaxError;

static META: RuleMeta = RuleMeta {
    id: "RD001",
    slug: "syntax-error",
    summary: "BuildKit cannot read this Dockerfile",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["DL3043"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/syntax-error.md"),
};

impl StaticRule for SyntaxError {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for e in model.ast.errors.iter().chain(&model.errors) {
            let d = cx.report(&META, e.span, e.message.clone());
            d.help = e.help.clone();
        }
    }
}
