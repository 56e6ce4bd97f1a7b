use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `FROM image as name` or `from image AS name`.
pub(crate) struct FromAsCasing;

static META: RuleMeta = RuleMeta {
    id: "RD108",
    slug: "from-as-casing",
    summary: "`AS` and `FROM` differ in case",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &[],
    buildkit: Some("FromAsCasing"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/from-as-casing.md"),
};

impl StaticRule for FromAsCasing {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
