use std::collections::HashMap;

use super::util::valid_image_reference;
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::expand::{references, Env, Lexer};
use crate::model::{pairs, AUTOMATIC_ARGS};

/// A FROM whose image, with the ARG defaults, is empty or not an image reference.
pub(crate) struct InvalidDefaultArgInFrom;

static META: RuleMeta = RuleMeta {
    id: "RD111",
    slug: "invalid-default-arg-in-from",
    summary: "FROM gives an empty or invalid image with the ARG defaults",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &[],
    buildkit: Some("InvalidDefaultArgInFrom"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/invalid-default-arg-in-from.md"),
};

struct Defaults(HashMap<String, String>);

impl Env for Defaults {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl Rule for InvalidDefaultArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        let lexer = Lexer::new(model.ast.escape);
        // Only the defaults written in the file: `--build-arg` is ignored, as BuildKit does.
        let mut env = Defaults(
            AUTOMATIC_ARGS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        for &ii in &model.global_args {
            for kv in pairs(model.instruction(ii)) {
                let value = kv
                    .value
                    .as_ref()
                    .and_then(|v| lexer.process_word(&v.text, &env).ok())
                    .map(|e| e.value);
                match value {
                    Some(v) => {
                        env.0.insert(kv.key.text.clone(), v);
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
            if references(&word.text, model.ast.escape).is_empty() {
                continue;
            }
            let Ok(expanded) = lexer.process_word(&word.text, &env) else {
                continue;
            };
            let image = expanded.value;
            if model.stage_by_name(&image).is_some() || valid_image_reference(&image) {
                continue;
            }
            let d = cx.report(
                &META,
                word.span,
                format!(
                    "default value for ARG {} results in empty or invalid base image name `{image}`",
                    word.text
                ),
            );
            d.label = Some(format!("`{image}` with the defaults"));
            d.help = Some(
                "give the ARG a default that makes a valid image, e.g. `ARG TAG=latest`".into(),
            );
        }
    }
}
