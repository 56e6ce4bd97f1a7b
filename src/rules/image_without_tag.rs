use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::Base;

/// `FROM image` with no tag or digest, or with `:latest`.
pub(crate) struct ImageWithoutTag;

static META: RuleMeta = RuleMeta {
    id: "RD407",
    slug: "image-without-tag",
    summary: "Base image has no tag, or the `latest` tag",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3006", "DL3007"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/image-without-tag.md"),
};

/// The tag of an image reference (`None` without one), and whether it has a digest.
pub(crate) fn tag_of(image: &str) -> (Option<&str>, bool) {
    if image.contains('@') {
        return (None, true);
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    (last.split_once(':').map(|(_, t)| t), false)
}

impl Rule for ImageWithoutTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
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
}
