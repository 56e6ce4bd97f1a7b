use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// A blank line inside a line continuation.
    EmptyContinuationLine: RD002 "empty-continuation-line", Warning, "Blank line inside a line continuation";
    fix: Always, buildkit: "NoEmptyContinuation"
}

fn check(cx: &mut Context<'_>) {
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
