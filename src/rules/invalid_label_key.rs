use super::Context;
use crate::model::pairs;
use crate::syntax::Kind;

declare_rule! {
    /// A LABEL key outside Docker's recommended format.
    InvalidLabelKey: RD434 "invalid-label-key", Style, "LABEL key does not follow Docker's key format";
    hadolint: ["DL3048"]
}

/// What is wrong with a label key, if anything.
pub(crate) fn key_problem(key: &str) -> Option<&'static str> {
    let first = key.chars().next()?;
    let last = key.chars().last()?;
    if !first.is_ascii_lowercase() {
        Some("it must start with a lower-case letter")
    } else if !(last.is_ascii_lowercase() || last.is_ascii_digit()) {
        Some("it must end with a lower-case letter or a digit")
    } else if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        Some("it may only hold lower-case letters, digits, `.`, `-` and `_`")
    } else if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|p| key.starts_with(p))
    {
        Some("the namespaces com.docker.*, io.docker.* and org.dockerproject.* are reserved for Docker")
    } else if key.contains("..") || key.contains("--") {
        Some("it may not repeat `.` or `-`")
    } else {
        None
    }
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for inst in model.ast.instructions() {
        if inst.kind() != Kind::Label {
            continue;
        }
        for kv in pairs(inst) {
            let raw = &kv.key.text;
            if raw.contains('$') {
                continue;
            }
            let key = raw.trim_matches(['"', '\'']);
            let Some(problem) = key_problem(key) else {
                continue;
            };
            cx.report(
                &META,
                kv.key.span,
                format!("label key `{key}` does not follow Docker's format: {problem}"),
            )
            .label("label key")
            .help("use reverse-DNS keys in lower case, e.g. `org.opencontainers.image.source`");
        }
    }
}
