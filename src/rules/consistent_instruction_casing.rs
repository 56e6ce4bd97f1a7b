use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// An instruction keyword whose case differs from the file's majority.
    ConsistentInstructionCasing: RD003 "inconsistent-instruction-casing", Warning, "Instruction keyword does not match the case of the others";
    fix: Always, buildkit: "ConsistentInstructionCasing"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let keywords: Vec<_> = model.ast.instructions().map(|i| &i.keyword).collect();
    // As BuildKit: count the keywords that are all lower or all upper case.
    let (mut lower, mut upper) = (0usize, 0usize);
    for k in &keywords {
        if k.text == k.text.to_ascii_lowercase() {
            lower += 1;
        } else if k.text == k.text.to_ascii_uppercase() {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for k in keywords {
        let (want, casing) = if majority_lower {
            (k.text.to_ascii_lowercase(), "lower case")
        } else {
            (k.text.to_ascii_uppercase(), "upper case")
        };
        if want == k.text {
            continue;
        }
        cx.report(
            &META,
            k.span,
            format!(
                "instruction `{}` should match the case of the majority of instructions ({casing})",
                k.text
            ),
        )
        .label(format!("write `{want}`"))
        .fix(Fix::safe(
            format!("Write `{want}`"),
            vec![Edit::replace(k.span, want)],
        ));
    }
}
