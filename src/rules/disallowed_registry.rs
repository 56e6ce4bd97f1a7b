use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::expand::references;
use crate::model::Base;

/// `FROM image` from a registry not in `allowed-registries`.
pub(crate) struct DisallowedRegistry;

static META: RuleMeta = RuleMeta {
    id: "RD444",
    slug: "disallowed-registry",
    summary: "Base image comes from a registry not in `allowed-registries`",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["DL3026"],
    buildkit: None,
    default_enabled: true,
    doc: include_str!("../../rules/disallowed-registry.md"),
};

/// Docker Hub, the registry of images named without one.
const DOCKER_HUB: &str = "docker.io";

/// The registry of an image reference, by Docker's rule: the first path
/// component when the name has more than one and it contains `.` or `:`, is
/// `localhost` or has upper case letters; Docker Hub (`docker.io`) otherwise.
/// Lower case, with Docker Hub's other names folded into `docker.io`.
pub(crate) fn registry_of(image: &str) -> String {
    let registry = match image.split_once('/') {
        Some((first, _))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            first
        }
        _ => DOCKER_HUB,
    };
    canonical(registry)
}

/// `registry` in lower case, with Docker Hub's other names (`index.docker.io`,
/// `registry-1.docker.io`, `hub.docker.com`) folded into `docker.io`.
fn canonical(registry: &str) -> String {
    let lower = registry.to_ascii_lowercase();
    match lower.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "hub.docker.com" => DOCKER_HUB.to_owned(),
        _ => lower,
    }
}

/// Whether `pattern` (an `allowed-registries` entry, `*` matching any
/// characters) matches the canonical `registry`, ignoring case.
pub(crate) fn registry_matches(pattern: &str, registry: &str) -> bool {
    let pattern = canonical(pattern);
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = registry.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: an exact match.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl Rule for DisallowedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let allowed = &cx.settings.allowed_registries;
        if allowed.is_empty() {
            return;
        }
        for stage in &cx.model.stages {
            let Base::Image { raw, resolved } = &stage.base else {
                continue;
            };
            let Some(word) = &stage.base_word else {
                continue;
            };
            // `FROM $IMAGE` whose ARG has no value (declared without a
            // default and not given with `--build-arg`): we cannot know.
            let unresolved = references(&word.text, cx.model.ast.escape).iter().any(|r| {
                r.is_special()
                    || cx
                        .model
                        .scope
                        .lookup(None, stage.from, &r.name)
                        .is_none_or(|d| d.value.is_none())
            });
            if unresolved {
                continue;
            }
            let Some(image) = resolved
                .as_deref()
                .or((!raw.contains('$')).then_some(raw.as_str()))
            else {
                continue;
            };
            if image.is_empty() || image.contains('$') {
                continue;
            }
            let registry = registry_of(image);
            if allowed.iter().any(|p| registry_matches(p, &registry)) {
                continue;
            }
            let via = if raw != image {
                format!(" (`{raw}` is `{image}`)")
            } else {
                String::new()
            };
            let list = allowed
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let d = cx.report(
                &META,
                word.span,
                format!("base image `{image}` comes from registry `{registry}`, which is not allowed{via}"),
            );
            d.label = Some(format!("from `{registry}`"));
            d.help = Some(format!(
                "use an image from an allowed registry ({list}), or add `{registry}` to `allowed-registries` in the configuration"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_by_dockers_rule() {
        for (image, registry) in [
            ("alpine", "docker.io"),
            ("alpine:3.19", "docker.io"),
            ("alpine@sha256:abcd", "docker.io"),
            ("library/alpine", "docker.io"),
            ("user/img:1", "docker.io"),
            ("docker.io/library/alpine", "docker.io"),
            ("index.docker.io/user/img", "docker.io"),
            ("ghcr.io/org/img:1", "ghcr.io"),
            ("GHCR.io/org/img", "ghcr.io"),
            ("localhost/img", "localhost"),
            ("localhost:5000/img", "localhost:5000"),
            ("myreg:5000/img", "myreg:5000"),
            ("Registry/img", "registry"),
            ("a.b.c/d/e/f", "a.b.c"),
        ] {
            assert_eq!(registry_of(image), registry, "{image}");
        }
    }

    #[test]
    fn patterns() {
        assert!(registry_matches("docker.io", "docker.io"));
        assert!(registry_matches("hub.docker.com", "docker.io"));
        assert!(registry_matches("Docker.IO", "docker.io"));
        assert!(!registry_matches("docker.io", "ghcr.io"));
        assert!(!registry_matches("ghcr.io", "ghcr.io.evil.com"));
        assert!(registry_matches("*", "ghcr.io"));
        assert!(registry_matches("*.example.com", "reg.example.com"));
        assert!(!registry_matches("*.example.com", "example.com"));
        assert!(!registry_matches("*.example.com", "reg.example.com.evil"));
        assert!(registry_matches("reg.example.*", "reg.example.com"));
        assert!(registry_matches("*.corp.*", "eu.corp.net"));
        assert!(!registry_matches("*.corp.*", "eu.corpnet"));
        assert!(registry_matches("a*a", "aa"));
        assert!(!registry_matches("a*a", "a"));
        assert!(registry_matches("localhost:*", "localhost:5000"));
    }
}
