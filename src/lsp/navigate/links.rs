//! Document highlight (the other places of the stage or variable under the
//! cursor, its definition marked as the write), document links (a base
//! image to its page on the registry that serves it) and inlay hints (what
//! a FROM written with variables resolves to).

use tower_lsp_server::ls_types as lsp;

use super::{analyse, stage_refs, target_at, var_uses, Snapshot, Target};
use crate::model::image::{repository_of, DOCKER_HUB};
use crate::model::Base;

pub fn highlight(s: &Snapshot, pos: lsp::Position) -> Option<Vec<lsp::DocumentHighlight>> {
    let a = analyse(s);
    let (t, _) = target_at(&a, s.conv().offset(pos))?;
    let (def, uses) = match t {
        Target::Stage(i) => (
            a.model.stages[i].name.as_ref().map(|n| n.span),
            stage_refs(&a.model, i),
        ),
        Target::Var(d, _) => (d.span, var_uses(&a.model, d)),
    };
    let conv = s.conv();
    let mut out: Vec<lsp::DocumentHighlight> = def
        .into_iter()
        .map(|sp| (sp, lsp::DocumentHighlightKind::WRITE))
        .chain(
            uses.into_iter()
                .map(|sp| (sp, lsp::DocumentHighlightKind::READ)),
        )
        .map(|(sp, kind)| lsp::DocumentHighlight {
            range: conv.range(sp),
            kind: Some(kind),
        })
        .collect();
    out.sort_by_key(|h| (h.range.start.line, h.range.start.character));
    Some(out)
}

/// The page of `image` on its registry, for the registries whose pages have
/// a known address; `None` for others (a private registry, a digest only).
pub fn image_page(image: &str) -> Option<String> {
    if image.contains(['$', ' ', '{', '}']) || image.eq_ignore_ascii_case("scratch") {
        return None;
    }
    let (host, path) = repository_of(image)?;
    Some(match host.as_str() {
        DOCKER_HUB if !path.contains('/') => format!("https://hub.docker.com/_/{path}"),
        DOCKER_HUB => format!("https://hub.docker.com/r/{path}"),
        "ghcr.io" => format!("https://ghcr.io/{path}"),
        "quay.io" => format!("https://quay.io/repository/{path}"),
        "mcr.microsoft.com" => format!("https://mcr.microsoft.com/artifact/mar/{path}"),
        "gcr.io" | "registry.k8s.io" | "public.ecr.aws" => format!("https://{host}/{path}"),
        _ => return None,
    })
}

pub fn links(s: &Snapshot) -> Vec<lsp::DocumentLink> {
    let a = analyse(s);
    let conv = s.conv();
    a.model
        .stages
        .iter()
        .filter_map(|st| {
            let Base::Image { raw, resolved } = &st.base else {
                return None;
            };
            let word = st.base_word.as_ref()?;
            let target = image_page(resolved.as_deref().unwrap_or(raw))?;
            Some(lsp::DocumentLink {
                range: conv.range(word.span),
                target: target.parse().ok(),
                tooltip: Some(format!(
                    "{} on its registry",
                    resolved.as_deref().unwrap_or(raw)
                )),
                data: None,
            })
        })
        .collect()
}

/// After each FROM base written with a variable, what it resolves to: the
/// image, or the stage it names. Only those inside `range`.
pub fn inlay_hints(s: &Snapshot, range: lsp::Range) -> Vec<lsp::InlayHint> {
    let a = analyse(s);
    let conv = s.conv();
    let (from, to) = (conv.offset(range.start), conv.offset(range.end));
    a.model
        .stages
        .iter()
        .filter_map(|st| {
            let word = st.base_word.as_ref()?;
            if !word.text.contains('$') || word.span.end < from || word.span.start > to {
                return None;
            }
            let value = match &st.base {
                Base::Image {
                    resolved: Some(r), ..
                } => r.clone(),
                Base::Stage(i) => format!("stage {}", a.model.stages[*i].label()),
                Base::Scratch => "scratch".into(),
                _ => return None,
            };
            Some(lsp::InlayHint {
                position: conv.range(word.span).end,
                label: lsp::InlayHintLabel::String(format!("= {value}")),
                kind: None,
                text_edits: None,
                tooltip: Some(lsp::InlayHintTooltip::String(
                    "the ARG values of this build (defaults, the configuration's and the editor's build arguments)".into(),
                )),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::image_page;

    #[test]
    fn image_pages() {
        for (image, page) in [
            ("debian:12.4", Some("https://hub.docker.com/_/debian")),
            ("library/alpine", Some("https://hub.docker.com/_/alpine")),
            (
                "docker.io/bitnami/spark:3.3",
                Some("https://hub.docker.com/r/bitnami/spark"),
            ),
            (
                "golang:1.22@sha256:abc",
                Some("https://hub.docker.com/_/golang"),
            ),
            ("ghcr.io/foo/bar:v1", Some("https://ghcr.io/foo/bar")),
            (
                "quay.io/prometheus/node-exporter",
                Some("https://quay.io/repository/prometheus/node-exporter"),
            ),
            (
                "mcr.microsoft.com/dotnet/aspnet:8.0",
                Some("https://mcr.microsoft.com/artifact/mar/dotnet/aspnet"),
            ),
            ("localhost:5000/app:dev", None),
            ("registry.example.com:443/team/app", None),
            ("scratch", None),
            ("${BASE}", None),
        ] {
            assert_eq!(image_page(image).as_deref(), page, "{image}");
        }
    }
}
