use super::Context;
use crate::model::image::is_official;
use crate::model::{RefKind, RefTarget};
use strsim::levenshtein;

declare_rule! {
    /// `--from=` or `from=` names neither a stage of this file nor a full image reference.
    UnknownStageReference: RD102 "unknown-stage-reference", Warning, "`--from` names no stage of this file";
    hadolint: ["DL3022"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for r in &model.references {
        if r.kind == RefKind::From {
            continue;
        }
        match &r.target {
            RefTarget::BadIndex(n) => {
                let count = model.stages.len();
                let d = cx.report(
                    &META,
                    r.span,
                    format!(
                        "`{}` refers to stage {n}, but the file has {count} stage{} (0 to {})",
                        r.raw,
                        if count == 1 { "" } else { "s" },
                        count.saturating_sub(1)
                    ),
                );
                d.label = Some("no such stage".into());
                d.help = Some(
                    "refer to stages by name: `FROM image AS name`, then `--from=name`".into(),
                );
            }
            RefTarget::Image(name) if looks_like_stage_name(name) => {
                let build = cx.settings;
                // A named context a build of the repository passes.
                if build.passed.context(name).is_some() {
                    continue;
                }
                // A stage whose name holds a variable (`AS ${STAGE}`,
                // which BuildKit refuses and other builders expand) may
                // be the one meant.
                let variable_stage = model
                    .stages
                    .iter()
                    .filter_map(|s| s.name.as_ref())
                    .any(|n| {
                        n.text.contains('$')
                            && (model
                                .scope
                                .expand_global(&n.text, model.ast.escape)
                                .is_some_and(|v| v.eq_ignore_ascii_case(name))
                                || crate::workspace::targets::pattern_matches(&n.text, name))
                    });
                if variable_stage {
                    continue;
                }
                let closest = model
                    .stages
                    .iter()
                    .filter_map(|s| s.name.as_ref())
                    .map(|n| {
                        (
                            levenshtein(&name.to_ascii_lowercase(), &n.text.to_ascii_lowercase()),
                            n.text.clone(),
                        )
                    })
                    .filter(|(d, _)| *d <= 2)
                    .min();
                if closest.is_none() {
                    // An official image, copied from on purpose
                    // (`--from=alpine`).
                    if is_official(&name.to_ascii_lowercase()) {
                        continue;
                    }
                    // Without a build of this file to read, the word
                    // may be a context the build passes (`--build-context
                    // NAME=...` in a script rdock does not follow).
                    if !build.discovered_targets.iter().any(|t| t.hint.is_none()) {
                        continue;
                    }
                }
                let d = cx.report(
                    &META,
                    r.span,
                    format!(
                        "`{name}` is not a stage of this file, so it is pulled as the image `docker.io/library/{name}:latest`"
                    ),
                );
                d.label = Some("no stage has this name".into());
                // A stage the word is a part of (`set` in `license-set`)
                // is a better guess than one a letter away.
                let part_of = model
                    .stages
                    .iter()
                    .filter_map(|s| s.name.as_ref())
                    .find(|n| {
                        n.text
                            .split(['-', '_', '.'])
                            .any(|part| part.eq_ignore_ascii_case(name))
                    });
                let closest = part_of.map(|n| (0, n.text.clone())).or(closest);
                d.help = Some(match closest {
                    Some((_, n)) => format!("did you mean the stage `{n}`?"),
                    None => format!(
                        "Docker Hub has no official image `{name}` and no build of this file in the repository passes a context of that name (`--build-context {name}=...`); if you mean a stage, check its name"
                    ),
                });
            }
            _ => {}
        }
    }
}

/// A bare word: no registry, tag, digest or variable.
pub(crate) fn looks_like_stage_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['/', ':', '@', '$', '.'])
        && crate::model::valid_stage_name(name)
}
