use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// A blank line inside a line continuation.
pub(crate) struct EmptyContinuationLine;

static META: RuleMeta = RuleMeta {
    id: "RD002",
    slug: "empty-continuation-line",
    summary: "Blank line inside a line continuation",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &[],
    buildkit: Some("NoEmptyContinuation"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/empty-continuation-line.md"),
};

impl StaticRule for EmptyContinuationLine {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        for &line in &cx.model.ast.empty_continuation_lines {
            cx.report(
                &META,
                line,
                "blank line inside a line continuation: a future Dockerfile syntax will end the instruction here",
            )
            .label("blank line")
            .fix(Fix::safe("Delete the blank line", vec![Edit::delete(line)]));
        }
    }
}
