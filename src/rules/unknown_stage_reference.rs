use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::model::{RefKind, RefTarget};
use crate::syntax::levenshtein;

/// `--from=` or `from=` names neither a stage of this file nor a full image reference.
pub(crate) struct UnknownStageReference;

static META: RuleMeta = RuleMeta {
    id: "RD102",
    slug: "unknown-stage-reference",
    summary: "`--from` names no stage of this file",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3022"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/unknown-stage-reference.md"),
};

impl Rule for UnknownStageReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
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
                    let closest = model
                        .stages
                        .iter()
                        .filter_map(|s| s.name.as_ref())
                        .map(|n| {
                            (
                                levenshtein(
                                    &name.to_ascii_lowercase(),
                                    &n.text.to_ascii_lowercase(),
                                ),
                                n.text.clone(),
                            )
                        })
                        .filter(|(d, _)| *d <= 2)
                        .min();
                    let d = cx.report(
                        &META,
                        r.span,
                        format!(
                            "`{name}` is not a stage of this file, so it is pulled as the image `docker.io/library/{name}:latest`"
                        ),
                    );
                    d.label = Some("no stage has this name".into());
                    d.help = Some(match closest {
                        Some((_, n)) => format!("did you mean the stage `{n}`?"),
                        None => format!(
                            "if you mean an image, write its full reference (`{name}:<tag>`); if it is a named build context (`--build-context {name}=...`), ignore this finding with `# rdock ignore=RD102`; if you mean a stage, check its name"
                        ),
                    });
                }
                _ => {}
            }
        }
    }
}

/// A bare word: no registry, tag, digest or variable.
pub(crate) fn looks_like_stage_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['/', ':', '@', '$', '.'])
        && crate::model::valid_stage_name(name)
}
