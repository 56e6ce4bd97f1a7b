use super::Context;
use crate::model::image::{is_official, repository_of, DOCKER_HUB};
use crate::model::Base;

declare_rule! {
    /// `FROM image` with no tag or digest, or with `:latest`.
    ImageWithoutTag: RD407 "image-without-tag", Warning, "Base image has no tag, or the `latest` tag";
    hadolint: ["DL3006", "DL3007"]
}

/// The tag of an image reference (`None` without one), and whether it has a digest.
pub(crate) fn tag_of(image: &str) -> (Option<&str>, bool) {
    if image.contains('@') {
        return (None, true);
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    (last.split_once(':').map(|(_, t)| t), false)
}

/// Whether the image is one whose tag says which base a rebuild gets: a
/// valid reference (a repository in lower case: `FROM REPLACE-ME` is a
/// placeholder BuildKit refuses), and not a one-word Docker Hub name that is
/// no official image (`FROM app-base`: only official images live in
/// `docker.io/library/`, so this is an image built locally, whose tag is
/// whatever that build gave it).
fn judged_by_tag(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rfind('/').map_or(0, |i| i + 1);
    let name = match name[last..].find(':') {
        Some(i) => &name[..last + i],
        None => name,
    };
    let path = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => name,
    };
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return false;
    }
    match repository_of(image) {
        Some((registry, repo)) if registry == DOCKER_HUB && !repo.contains('/') => {
            is_official(&repo)
        }
        _ => true,
    }
}

fn check(cx: &mut Context<'_>) {
    for stage in &cx.model.stages {
        let Base::Image { raw, resolved } = &stage.base else {
            continue;
        };
        let Some(word) = &stage.base_word else {
            continue;
        };
        // `FROM $IMAGE` whose ARG has no default: we cannot know.
        let Some(image) = resolved
            .as_deref()
            .or((!raw.contains('$')).then_some(raw.as_str()))
        else {
            continue;
        };
        if image.is_empty() || image.contains('$') {
            continue;
        }
        if raw.contains('$') {
            let model = cx.model;
            let Some(e) = model.scope.expand_global_refs(raw, model.ast.escape) else {
                continue;
            };
            // `FROM base-${VARIANT}` with no value for VARIANT: the
            // image is not known. An ARG a build of the repository
            // passes (`--build-arg IMAGE=...`, compose or bake `args`):
            // its default is not what the build uses.
            let passed = &cx.settings.passed;
            if e.references
                .iter()
                .any(|r| !(r.set || r.has_default) || passed.arg(&r.name).is_some())
            {
                continue;
            }
        }
        if !judged_by_tag(image) {
            continue;
        }
        let via = if raw != image {
            format!(" (`{raw}` is `{image}`)")
        } else {
            String::new()
        };
        let (msg, label) = match tag_of(image) {
            (_, true) => continue,
            (None, _) => (
                format!("base image `{image}` has no tag: it means `latest`{via}"),
                "no tag",
            ),
            (Some("latest"), _) => (
                format!("base image `{image}` uses the moving `latest` tag{via}"),
                "latest",
            ),
            _ => continue,
        };
        let d = cx.report(&META, word.span, msg);
        d.label = Some(label.into());
        d.help = Some("pin a version tag (or a digest) so rebuilds get the same base".into());
    }
}
