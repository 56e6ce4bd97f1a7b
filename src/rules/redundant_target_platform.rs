use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::model::pairs;

declare_rule! {
    /// `FROM --platform=$TARGETPLATFORM`: the default, written out.
    RedundantTargetPlatform: RD113 "redundant-target-platform", Info, "FROM --platform=$TARGETPLATFORM is the default";
    fix: Sometimes, hadolint: ["DL3065"], buildkit: "RedundantTargetPlatform"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let text = model.text;
    // A global `ARG TARGETPLATFORM=...` could change what the flag means.
    let redeclared = model.global_args.iter().any(|&ii| {
        pairs(model.instruction(ii))
            .iter()
            .any(|kv| kv.key.text == "TARGETPLATFORM")
    });
    for stage in &model.stages {
        let from = model.from_instruction(stage.index);
        for flag in from.flags_named("platform") {
            let Some(value) = &flag.value else { continue };
            if !names_target_platform(value) {
                continue;
            }
            let d = cx.report(
                &META,
                flag.span,
                format!(
                    "setting platform to predefined {value} in FROM is redundant as this is the default behavior"
                ),
            )
            .label("the default");
            if !redeclared {
                // The flag and the blanks after it.
                let rest = &text[flag.span.end..];
                let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                d.fix = Some(Fix::safe(
                    "Remove `--platform`",
                    vec![Edit::delete(Span::new(
                        flag.span.start,
                        flag.span.end + blanks,
                    ))],
                ));
            }
        }
    }
}

/// `$TARGETPLATFORM`, `${TARGETPLATFORM}`, or the same with a fallback
/// (`${TARGETPLATFORM:-linux/amd64}`, `${TARGETPLATFORM-...}`): BuildKit
/// always sets the variable, so the fallback never applies.
fn names_target_platform(value: &str) -> bool {
    if value == "$TARGETPLATFORM" || value == "${TARGETPLATFORM}" {
        return true;
    }
    value
        .strip_prefix("${TARGETPLATFORM")
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|fallback| {
            let word = fallback
                .strip_prefix(":-")
                .or_else(|| fallback.strip_prefix('-'));
            word.is_some_and(|w| !w.contains(['$', '{', '}']))
        })
}
