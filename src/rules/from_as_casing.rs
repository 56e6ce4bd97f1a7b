use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `FROM image as name` or `from image AS name`.
    FromAsCasing: RD108 "from-as-casing", Warning, "`AS` and `FROM` differ in case";
    fix: Always, buildkit: "FromAsCasing"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for stage in &model.stages {
        let Some(as_kw) = &stage.as_keyword else {
            continue;
        };
        let from = &model.from_instruction(stage.index).keyword;
        let upper = from.text == from.text.to_ascii_uppercase();
        let lower = from.text == from.text.to_ascii_lowercase();
        let want = if upper {
            "AS"
        } else if lower {
            "as"
        } else {
            continue;
        };
        if as_kw.text == want {
            continue;
        }
        cx.report(
            &META,
            as_kw.span,
            format!(
                "`{}` does not match the case of `{}`",
                as_kw.text, from.text
            ),
        )
        .label(format!("write `{want}`"))
        .fix(Fix::safe(
            format!("Write `{want}`"),
            vec![Edit::replace(as_kw.span, want)],
        ));
    }
}
