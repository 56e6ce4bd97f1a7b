use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::pairs;
use crate::syntax::Kind;

/// An ARG or ENV whose name says it holds a secret.
pub(crate) struct SecretInArgOrEnv;

static META: RuleMeta = RuleMeta {
    id: "RD205",
    slug: "secret-in-arg-or-env",
    summary: "ARG or ENV name suggests a secret",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3064"],
    buildkit: Some("SecretsUsedInArgOrEnv"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/secret-in-arg-or-env.md"),
};

/// BuildKit's test: a `_`-separated part of the name (any case) is one of these...
const SECRET_PARTS: [&str; 10] = [
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];

/// ...and no part is `public`.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('_').collect();
    parts.iter().any(|p| SECRET_PARTS.contains(p)) && !parts.contains(&"public")
}

impl Rule for SecretInArgOrEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for inst in model.ast.instructions() {
            let kind = inst.kind();
            if !matches!(kind, Kind::Arg | Kind::Env) {
                continue;
            }
            for kv in pairs(inst) {
                if !is_secret_name(&kv.key.text) {
                    continue;
                }
                let d = cx.report(
                    &META,
                    kv.key.span,
                    format!(
                        "do not use ARG or ENV instructions for sensitive data ({} `{}`)",
                        kind.as_str(),
                        kv.key.text
                    ),
                );
                d.label = Some("kept in the image's history".into());
                d.help = Some(
                    "pass secrets with `RUN --mount=type=secret,id=...` and `docker build --secret`"
                        .into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_secret_name;

    #[test]
    fn names() {
        for s in ["GITHUB_TOKEN", "api_key", "DB_PASSWORD", "Secret", "AUTH"] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in [
            "PUBLIC_KEY",
            "KEYBOARD",
            "TOKENIZER_DIR",
            "MONKEY",
            "PASSWORDLESS",
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }
}
