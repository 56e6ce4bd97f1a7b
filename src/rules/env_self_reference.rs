use super::util::sub_span;
use super::Context;
use crate::diagnostic::Related;
use crate::model::expand::references;
use crate::model::pairs;
use crate::syntax::Kind;

declare_rule! {
    /// `ENV A=1 B=$A`: a reference to a variable the same ENV sets.
    EnvSelfReference: RD431 "env-self-reference", Warning, "ENV refers to a variable it sets itself";
    hadolint: ["DL3044"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for (ii, stage, inst) in model.instructions_of(&[Kind::Env]) {
        let kvs = pairs(inst);
        for (j, kv) in kvs.iter().enumerate() {
            let Some(value) = &kv.value else { continue };
            for var in references(&value.text, escape) {
                if var.is_special() {
                    continue;
                }
                let Some(i) = kvs
                    .iter()
                    .enumerate()
                    .position(|(i, other)| i != j && other.key.text == var.name)
                else {
                    continue;
                };
                let before = model.scope.lookup(stage, ii, &var.name);
                let old = before.and_then(|d| d.value.clone());
                // `ENV OLD=$X X=new` with X set before: keeping the old value is the point.
                if i > j && before.is_some() {
                    continue;
                }
                let now = match &old {
                    Some(v) => format!("the value from before this ENV (`{v}`)"),
                    None => "empty: it is not set before this ENV".to_string(),
                };
                let d = cx.report(
                    &META,
                    sub_span(value, &var.span),
                    format!(
                        "`{}` is set by this same ENV, but references in an ENV see only earlier instructions: here it is {now}",
                        var.name
                    ),
                )
                .label("not the value set here");
                d.related.push(Related {
                    span: kvs[i].key.span,
                    message: "set in the same instruction".into(),
                });
                d.help = Some(format!(
                    "set `{}` in an ENV of its own before this one",
                    var.name
                ));
            }
        }
    }
}
