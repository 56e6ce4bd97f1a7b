use std::collections::HashMap;

use super::util::valid_image_reference;
use super::Context;
use crate::model::expand::{references, Env, Lexer};
use crate::model::{pairs, AUTOMATIC_ARGS};

declare_rule! {
    /// A FROM whose image, with the ARG defaults, is empty or not an image reference.
    InvalidDefaultArgInFrom: RD111 "invalid-default-arg-in-from", Warning, "FROM gives an empty or invalid image with the ARG defaults";
    buildkit: "InvalidDefaultArgInFrom"
}

struct Defaults(HashMap<String, String>);

impl Env for Defaults {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let lexer = Lexer::new(model.ast.escape);
    // Only the defaults written in the file: `--build-arg` is ignored, as BuildKit does.
    let mut env = Defaults(
        AUTOMATIC_ARGS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    // ARGs whose default cannot be expanded (past the size bound), and why.
    let mut failed: HashMap<String, String> = HashMap::new();
    for &ii in &model.global_args {
        for kv in pairs(model.instruction(ii)) {
            // A default that reads one rdock could not expand is not known either.
            let inherited = kv.value.as_ref().and_then(|v| {
                references(&v.text, model.ast.escape)
                    .iter()
                    .find_map(|r| failed.get(&r.name).cloned())
            });
            if let Some(why) = inherited {
                env.0.remove(&kv.key.text);
                failed.insert(kv.key.text.clone(), why);
                continue;
            }
            let value = kv.value.as_ref().map(|v| lexer.process_word(&v.text, &env));
            match value {
                Some(Ok(v)) => {
                    env.0.insert(kv.key.text.clone(), v.value);
                    failed.remove(&kv.key.text);
                }
                Some(Err(e)) => {
                    env.0.remove(&kv.key.text);
                    failed.insert(kv.key.text.clone(), e.to_string());
                }
                None => {
                    env.0.remove(&kv.key.text);
                }
            }
        }
    }
    for stage in &model.stages {
        let Some(word) = &stage.base_word else {
            continue;
        };
        let refs = references(&word.text, model.ast.escape);
        if refs.is_empty() {
            continue;
        }
        // A default rdock would not expand: say that, not "empty".
        if let Some((name, why)) = refs
            .iter()
            .find_map(|r| failed.get(&r.name).map(|w| (r.name.clone(), w.clone())))
        {
            cx.report(
                &META,
                word.span,
                format!("the default of ARG {name} cannot be expanded ({why}), so the base image name `{}` is not known", word.text),
            )
            .help(
                "each ARG default that repeats the one before doubles it: write the value out",
            );
            continue;
        }
        let Ok(expanded) = lexer.process_word(&word.text, &env) else {
            continue;
        };
        let image = expanded.value;
        if model.stage_by_name(&image).is_some() || valid_image_reference(&image) {
            continue;
        }
        cx.report(
            &META,
            word.span,
            format!(
                "default value for ARG {} results in empty or invalid base image name `{image}`",
                word.text
            ),
        )
        .label(format!("`{image}` with the defaults"))
        .help("give the ARG a default that makes a valid image, e.g. `ARG TAG=latest`");
    }
}
