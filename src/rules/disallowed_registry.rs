use super::Context;
use crate::diagnostic::Span;
use crate::model::expand::references;
use crate::model::image::{canonical_registry, registry_of};
use crate::model::{Base, RefKind, RefTarget};
use crate::rules::unknown_stage_reference::looks_like_stage_name;

declare_rule! {
    /// `FROM image` (and `COPY --from=image`) from a registry not in `allowed-registries`.
    DisallowedRegistry: RD444 "disallowed-registry", Error, "Base image comes from a registry not in `allowed-registries`";
    hadolint: ["DL3026"]
}

/// Whether `pattern` (an `allowed-registries` entry, `*` matching any
/// characters) matches the canonical `registry`, ignoring case.
pub(crate) fn registry_matches(pattern: &str, registry: &str) -> bool {
    let pattern = canonical_registry(pattern);
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

fn check(cx: &mut Context<'_>) {
    let allowed = &cx.settings.allowed_registries;
    if allowed.is_empty() {
        return;
    }
    let model = cx.model;
    // (where, what it is, the image as written, the image as far as it is known)
    let mut images: Vec<(Span, &str, &str, String)> = Vec::new();
    for stage in &model.stages {
        let (Base::Image { raw, resolved }, Some(word)) = (&stage.base, &stage.base_word) else {
            continue;
        };
        // `FROM $IMAGE` whose ARG has no value (declared without a
        // default and not given with `--build-arg`): known only as written.
        let unresolved = references(&word.text, model.ast.escape).iter().any(|r| {
            r.is_special()
                || model
                    .scope
                    .lookup(None, stage.from, &r.name)
                    .is_none_or(|d| d.value.is_none())
        });
        let image = match resolved {
            Some(r) if !unresolved => r.clone(),
            _ => raw.clone(),
        };
        images.push((word.span, "base image", raw, image));
    }
    for r in &model.references {
        // `COPY --from=image`, `RUN --mount=from=image`; a bare word is
        // a stage name gone wrong or a named context (RD102's concern).
        match &r.target {
            RefTarget::Image(name) if r.kind != RefKind::From && !looks_like_stage_name(name) => {
                images.push((r.span, "image", &r.raw, name.clone()));
            }
            _ => {}
        }
    }
    for (span, what, raw, image) in images {
        let Some(registry) = known_registry(&image) else {
            continue;
        };
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
        cx.report(
            &META,
            span,
            format!(
                "{what} `{image}` comes from registry `{registry}`, which is not allowed{via}"
            ),
        )
        .label(format!("from `{registry}`"))
        .help(format!(
            "use an image from an allowed registry ({list}), or add `{registry}` to `allowed-registries` in the configuration"
        ));
    }
}

/// The registry of `image` when it can be told: the whole reference is
/// known, or the part before its first variable already holds the registry
/// (`registry.k8s.io/etcd:${VERSION}`, `ubuntu:${TAG}`). `None` for `$IMAGE`,
/// `${REGISTRY}/app`, `reg.example:${PORT}/app` and empty names.
fn known_registry(image: &str) -> Option<String> {
    let known = match image.find('$') {
        None => image,
        Some(i) => {
            let prefix = &image[..i];
            if !prefix.contains('/') {
                // Only a tag or digest may follow; `host.example:${PORT}/app`
                // and `localhost:${PORT}/app` leave the registry open.
                let name = prefix.split([':', '@']).next().unwrap_or("");
                if name.len() == prefix.len() || name.contains('.') || name == "localhost" {
                    return None;
                }
            }
            prefix
        }
    };
    (!known.is_empty()).then(|| registry_of(known))
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

    #[test]
    fn registry_known_before_a_variable() {
        for (image, registry) in [
            ("registry.k8s.io/etcd:${V}", Some("registry.k8s.io")),
            ("mcr.microsoft.com/x:0-${a:b}", Some("mcr.microsoft.com")),
            ("ubuntu:${TAG}", Some("docker.io")),
            ("user/img@${DIGEST}", Some("docker.io")),
            ("localhost:5000/${APP}", Some("localhost:5000")),
            ("$IMAGE", None),
            ("${REGISTRY}/app", None),
            ("reg.example.com:${PORT}/app", None),
            ("localhost:${PORT}/app", None),
            ("app${SUFFIX}", None),
            ("", None),
        ] {
            assert_eq!(known_registry(image).as_deref(), registry, "{image}");
        }
    }
}
