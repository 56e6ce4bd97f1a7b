use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::syntax::Args;

declare_rule! {
    /// `ENV key value` and `LABEL key value`: the legacy, space-separated form.
    LegacyKeyValueFormat: RD202 "legacy-key-value-format", Warning, "ENV or LABEL in the legacy `key value` form";
    fix: Sometimes, buildkit: "LegacyKeyValueFormat"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for inst in model.ast.instructions() {
        let Args::KeyValues {
            pairs,
            legacy: true,
        } = &inst.args
        else {
            continue;
        };
        let name = inst.kind().as_str();
        let d = cx
            .report(
                &META,
                Span::new(inst.keyword.span.start, inst.args_span.end),
                format!(
                    "`{name} key=value` should be used instead of legacy `{name} key value` format"
                ),
            )
            .label("legacy form");
        let [kv] = pairs.as_slice() else { continue };
        let Some(value) = &kv.value else { continue };
        // Only values that mean the same inside double quotes, and keys
        // that read the same before a `=` (a quote in the key would open
        // a string that runs into the value).
        let plain = |w: &crate::syntax::Word, extra: &[char]| {
            w.span.len() == w.text.len()
                && !w.text.chars().any(|c| {
                    matches!(c, '"' | '\'' | '\\' | '`') || c == escape || extra.contains(&c)
                })
        };
        let simple = plain(value, &[]) && plain(&kv.key, &['=', ' ', '\t']);
        if !simple || kv.key.span.end > value.span.start {
            continue;
        }
        let new_value = if value.text.contains([' ', '\t']) {
            format!("\"{}\"", value.text)
        } else {
            value.text.clone()
        };
        d.fix = Some(Fix::safe(
            format!("Write `{}={}`", kv.key.text, new_value),
            vec![Edit::replace(
                Span::new(kv.key.span.end, value.span.end),
                format!("={new_value}"),
            )],
        ));
    }
}
