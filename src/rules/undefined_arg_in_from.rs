use super::util::{flag_word, sub_span};
use super::Context;
use crate::model::expand::references;

declare_rule! {
    /// A variable in a FROM line that no global ARG declares.
    UndefinedArgInFrom: RD110 "undefined-arg-in-from", Warning, "FROM uses a variable that no ARG before the first FROM declares";
    buildkit: "UndefinedArgInFrom"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for stage in &model.stages {
        let from = model.from_instruction(stage.index);
        let mut words: Vec<_> = stage.base_word.iter().cloned().collect();
        words.extend(from.flags_named("platform").filter_map(flag_word));
        for word in &words {
            for r in references(&word.text, escape) {
                if r.is_special() || model.scope.lookup(None, stage.from, &r.name).is_some() {
                    continue;
                }
                let suggestion = model
                    .scope
                    .global
                    .iter()
                    .filter(|d| d.instruction.is_none_or(|i| i < stage.from))
                    .map(|d| d.name.as_str())
                    .find(|n| strsim::levenshtein(n, &r.name) <= 2);
                cx.report(
                    &META,
                    sub_span(word, &r.span),
                    format!("FROM argument `{}` is not declared", r.name),
                )
                .label("not declared before the first FROM")
                .help(match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare it with `ARG {}=<default>` before the first FROM",
                        r.name
                    ),
                });
            }
        }
    }
}
