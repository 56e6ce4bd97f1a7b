use super::Context;
use crate::model::pairs;
use crate::syntax::Kind;

declare_rule! {
    /// An ARG or ENV whose name says it holds a secret.
    SecretInArgOrEnv: RD205 "secret-in-arg-or-env", Warning, "ARG or ENV name suggests a secret";
    hadolint: ["DL3064"], buildkit: "SecretsUsedInArgOrEnv"
}

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
/// Last words that make a name about a secret, not the secret itself:
/// `GKE_AUTH_PLUGIN_VERSION`, `SSH_KEY_PATH`, `TOKEN_URL`.
const NOT_SECRET_ENDINGS: [&str; 18] = [
    "version", "ver", "url", "uri", "path", "file", "dir", "name", "host", "server", "endpoint",
    "type", "length", "size", "enabled", "mode", "commit", "label",
];

/// BuildKit's SecretsUsedInArgOrEnv reads the name alone; this is its test.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('_').collect();
    parts.iter().any(|p| SECRET_PARTS.contains(p)) && !parts.contains(&"public")
}

/// The name and the value together: a name about a secret
/// (`..._VERSION`, `..._URL`) or a value that is a URL or a path (where the
/// key is fetched from, not the key) is not a secret.
fn is_secret(name: &str, value: Option<&str>) -> bool {
    if !is_secret_name(name) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    // A GPG/PGP key id (`GPG_KEY=A035C8C1...`) names a public key.
    if lower
        .split('_')
        .any(|p| matches!(p, "gpg" | "pgp" | "fingerprint"))
    {
        return false;
    }
    // A switch about a secret (`TS_DISABLE_TOKEN_AUTHORIZATION`), not one.
    if lower.split('_').any(|p| matches!(p, "disable" | "enable")) {
        return false;
    }
    if lower
        .rsplit('_')
        .next()
        .is_some_and(|last| NOT_SECRET_ENDINGS.contains(&last))
    {
        return false;
    }
    let value = value.unwrap_or("").trim_matches(['"', '\'']);
    let located = ["http://", "https://", "/", "./", "../", "~/"]
        .iter()
        .any(|p| value.starts_with(p));
    !located
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for inst in model.ast.instructions() {
        let kind = inst.kind();
        if !matches!(kind, Kind::Arg | Kind::Env) {
            continue;
        }
        for kv in pairs(inst) {
            let value = kv.value.as_ref().map(|v| v.text.as_str());
            if !is_secret(&kv.key.text, value) {
                continue;
            }
            cx.report(
                &META,
                kv.key.span,
                format!(
                    "do not use ARG or ENV instructions for sensitive data ({} `{}`)",
                    kind.as_str(),
                    kv.key.text
                ),
            )
            .label("kept in the image's history")
            .help("pass secrets with `RUN --mount=type=secret,id=...` and `docker build --secret`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_secret, is_secret_name};

    #[test]
    fn names_and_values_together() {
        assert!(is_secret("GITHUB_TOKEN", None));
        assert!(is_secret("API_KEY", Some("abc123")));
        assert!(is_secret("NPM_TOKEN", Some("${NPM_TOKEN}")));
        assert!(!is_secret("GKE_AUTH_PLUGIN_VERSION", Some("0.1")));
        assert!(!is_secret("DOCKER_AUTH_VERSION", None));
        assert!(!is_secret("SSH_KEY_PATH", None));
        assert!(!is_secret("PG_AUTH_MON_COMMIT", Some("1a2b3c")));
        assert!(!is_secret("HSM_TOKEN_LABEL", None));
        assert!(!is_secret("TS_DISABLE_TOKEN_AUTHORIZATION", Some("1")));
        assert!(is_secret("SSH_PRIVATE_KEY", None));
        assert!(!is_secret(
            "RELEASE_KEY",
            Some("https://packages.fluentbit.io/fluentbit.key")
        ));
        assert!(!is_secret(
            "GPG_KEY",
            Some("A035C8C19219BA821ECEA86B64E628F8D684696D")
        ));
    }

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
