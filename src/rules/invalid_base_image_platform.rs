use super::Context;
use crate::model::expand::references;
use crate::model::Base;

declare_rule! {
    /// A base image that exists for one platform only, built for another.
    InvalidBaseImagePlatform: RD115 "invalid-base-image-platform", Warning, "Base image is published for another platform than the stage builds for";
    buildkit: "InvalidBaseImagePlatform"
}

/// Docker Official Images' per-architecture namespaces and the one platform each holds.
const ARCH_NAMESPACES: [(&str, &str); 11] = [
    ("amd64", "linux/amd64"),
    ("arm32v5", "linux/arm/v5"),
    ("arm32v6", "linux/arm/v6"),
    ("arm32v7", "linux/arm/v7"),
    ("arm64v8", "linux/arm64"),
    ("i386", "linux/386"),
    ("mips64le", "linux/mips64le"),
    ("ppc64le", "linux/ppc64le"),
    ("riscv64", "linux/riscv64"),
    ("s390x", "linux/s390x"),
    ("winamd64", "windows/amd64"),
];

/// `linux/arm64/v8` and `linux/arm64` are the same platform; so are `linux/amd64` and `linux/amd64/v1`.
fn normalize(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase();
    let parts: Vec<&str> = p.split('/').collect();
    match parts.as_slice() {
        [os, "arm64", "v8"] => format!("{os}/arm64"),
        [os, "amd64", "v1"] => format!("{os}/amd64"),
        [os, "arm"] => format!("{os}/arm/v7"),
        _ => p,
    }
}

/// The one platform an image is published for, when its name says so.
fn image_platform(image: &str) -> Option<&'static str> {
    let path = image
        .strip_prefix("docker.io/")
        .or_else(|| image.strip_prefix("index.docker.io/"))
        .unwrap_or(image);
    let (ns, _) = path.split_once('/')?;
    ARCH_NAMESPACES
        .iter()
        .find(|(n, _)| *n == ns)
        .map(|(_, p)| *p)
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for stage in &model.stages {
        let Base::Image { raw, resolved } = &stage.base else {
            continue;
        };
        let image = resolved.as_deref().unwrap_or(raw);
        let Some(published) = image_platform(image) else {
            continue;
        };
        let from = model.from_instruction(stage.index);
        // The platform the stage is built for, when rdock knows it: a
        // constant --platform, or a variable given with --build-arg.
        let wanted = match from.flag("platform").and_then(|f| f.value.as_deref()) {
            Some(v) => {
                let refs = references(v, escape);
                let known = refs.iter().all(|r| {
                    model
                        .scope
                        .lookup(None, stage.from, &r.name)
                        .is_some_and(|d| {
                            d.from_build_arg || d.origin == crate::model::VarOrigin::Arg
                        })
                });
                if !known {
                    continue;
                }
                match model.scope.expand_global(v, escape) {
                    Some(p) => p,
                    None => continue,
                }
            }
            None => match cx.settings.inputs.build_args.get("TARGETPLATFORM") {
                Some(p) => p.clone(),
                None => continue,
            },
        };
        if wanted.is_empty() || normalize(&wanted) == normalize(published) {
            continue;
        }
        let span = stage.base_word.as_ref().map_or(from.span, |w| w.span);
        cx.report(
            &META,
            span,
            format!(
                "base image `{image}` is published for {published} only, but the stage is built for {wanted}"
            ),
        )
        .label(format!("{published} only"))
        .help(
            "use the multi-platform image (without the architecture namespace) or build for its platform",
        );
    }
}
