use super::util::expanded;
use super::Context;
use crate::model::{Base, RefKind, RefTarget};
use crate::syntax::Kind;

declare_rule! {
    /// `COPY --from=stage / /`: a whole filesystem copied over another.
    CopyWholeFilesystem: RD442 "copy-whole-filesystem", Warning, "COPY --from copies a whole filesystem over the stage's";
    hadolint: ["DL3067"]
}

/// Images made to be copied whole (Docker's cross-compilation helpers).
const MADE_TO_COPY: [&str; 2] = ["tonistiigi/xx", "docker.io/tonistiigi/xx"];

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for stage in &model.stages {
        // `FROM scratch` then `COPY --from=x / /` flattens x on purpose.
        if stage.base == Base::Scratch {
            continue;
        }
        for &ii in &stage.body {
            let inst = model.instruction(ii);
            if inst.kind() != Kind::Copy || inst.flag("from").is_none() {
                continue;
            }
            let words = inst.words();
            if words.len() < 2 {
                continue;
            }
            let root = |t: &str| expanded(model, ii, t).is_some_and(|v| v == "/");
            if !root(&words[words.len() - 1].text) {
                continue;
            }
            let Some(src) = words[..words.len() - 1].iter().find(|w| root(&w.text)) else {
                continue;
            };
            // What the source is: a stage built from scratch, or a helper image.
            let from = model
                .references
                .iter()
                .find(|r| r.instruction == ii && r.kind == RefKind::CopyFrom);
            let exempt = from.is_some_and(|r| match &r.target {
                RefTarget::Stage(s) => {
                    let base = super::util::root_base(model, *s);
                    *base == Base::Scratch
                        || matches!(base, Base::Image { raw, resolved } if made_to_copy(resolved.as_deref().unwrap_or(raw)))
                }
                RefTarget::Image(name) => made_to_copy(name),
                _ => false,
            });
            if exempt {
                continue;
            }
            let name = from.map_or_else(|| "another stage".to_string(), |r| format!("`{}`", r.raw));
            cx.report(
                &META,
                src.span,
                format!("copies the whole filesystem of {name} over this stage's: its /etc/passwd, package database and libraries replace this stage's"),
            )
            .label("whole filesystem")
            .help("copy only the directories the stage needs");
        }
    }
}

fn made_to_copy(image: &str) -> bool {
    let name = image.split(['@']).next().unwrap_or(image);
    let name = match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => &name[..i],
        _ => name,
    };
    MADE_TO_COPY.contains(&name)
}
