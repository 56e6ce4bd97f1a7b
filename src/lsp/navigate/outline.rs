//! The document's outline: symbols (stages and what they define), folding
//! ranges, and the code lens on each stage saying whether a target reaches it.

use tower_lsp_server::ls_types as lsp;

use super::*;

#[allow(deprecated)]
pub fn symbols(s: &Snapshot) -> Vec<lsp::DocumentSymbol> {
    let a = analyse(s);
    let m = &a.model;
    let conv = s.conv();
    m.stages
        .iter()
        .map(|st| {
            let from = m.instruction(st.from);
            let range = conv.range(m.stage_span(st.index));
            let children = st
                .body
                .iter()
                .map(|&ii| {
                    let inst = m.instruction(ii);
                    let first_line = m.text[inst.span.range()].lines().next().unwrap_or("");
                    lsp::DocumentSymbol {
                        name: inst.keyword.kind.as_str().to_string(),
                        detail: Some(first_line.chars().take(80).collect()),
                        kind: lsp::SymbolKind::FUNCTION,
                        tags: None,
                        deprecated: None,
                        range: conv.range(inst.span),
                        selection_range: conv.range(inst.keyword.span),
                        children: None,
                    }
                })
                .collect();
            lsp::DocumentSymbol {
                name: st.label(),
                detail: st.base_word.as_ref().map(|w| format!("FROM {}", w.text)),
                kind: lsp::SymbolKind::MODULE,
                tags: None,
                deprecated: None,
                range,
                selection_range: conv.range(st.name.as_ref().map_or(from.keyword.span, |n| n.span)),
                children: Some(children),
            }
        })
        .collect()
}

pub fn folding(s: &Snapshot) -> Vec<lsp::FoldingRange> {
    let a = analyse(s);
    let conv = s.conv();
    a.model
        .stages
        .iter()
        .filter_map(|st| {
            let span = a.model.stage_span(st.index);
            let start = conv.position(span.start).line;
            let end = conv
                .position(span.end.saturating_sub(1).max(span.start))
                .line;
            (end > start).then(|| lsp::FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(lsp::FoldingRangeKind::Region),
                collapsed_text: Some(format!("stage {}", st.label())),
                ..Default::default()
            })
        })
        .collect()
}

/// The command of every code lens: show the build target's `FROM`.
/// Arguments: the document's URI and the position to show. An empty
/// command, as before, is not a command: VS Code draws it as plain text,
/// Neovim's `codelens.run()` warns that the server lacks it.
pub const GO_TO_STAGE: &str = "rdock.goToStage";

pub fn code_lens(s: &Snapshot) -> Vec<lsp::CodeLens> {
    let a = analyse(s);
    let conv = s.conv();
    let targets = a.graph.target_names(&a.model);
    // The lens of a stage leads to the target that reaches it (or, for a
    // stage no target reaches, to the first target); a target's, to itself.
    let first_target = a.graph.targets.iter().copied().min();
    let reached_by: Vec<(usize, Vec<bool>)> = a
        .graph
        .targets
        .iter()
        .map(|&t| (t, a.graph.maybe_reachable_from(&[t])))
        .collect();
    a.model
        .stages
        .iter()
        .map(|st| {
            let reached = a.graph.reachable.get(st.index).copied().unwrap_or(false);
            let title = if a.graph.targets.contains(&st.index) {
                format!("target ({targets})")
            } else if reached {
                format!("reached by target {targets}")
            } else if a
                .graph
                .maybe_reachable
                .get(st.index)
                .copied()
                .unwrap_or(false)
            {
                "may be reached: a build or a reference picks it through a variable".to_string()
            } else {
                format!("not reached by target {targets}: BuildKit skips it")
            };
            let to = if a.graph.targets.contains(&st.index) {
                Some(st.index)
            } else {
                reached_by
                    .iter()
                    .find(|(_, r)| r.get(st.index).copied().unwrap_or(false))
                    .map(|&(t, _)| t)
                    .or(first_target)
            };
            let command = match to {
                Some(t) => {
                    let at = conv.range(a.model.instruction(a.model.stages[t].from).keyword.span);
                    lsp::Command::new(
                        title,
                        GO_TO_STAGE.into(),
                        Some(vec![
                            serde_json::json!(s.uri.as_str()),
                            serde_json::json!(at.start),
                        ]),
                    )
                }
                None => lsp::Command::new(title, GO_TO_STAGE.into(), None),
            };
            lsp::CodeLens {
                range: conv.range(a.model.instruction(st.from).keyword.span),
                command: Some(command),
                data: None,
            }
        })
        .collect()
}
