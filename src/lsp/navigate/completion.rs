//! Completion: stage names after `--from=`, variables after `$`, keywords.

use tower_lsp_server::ls_types as lsp;

use super::hover::keyword_doc;
use super::*;

pub fn completion(s: &Snapshot, pos: lsp::Position) -> Vec<lsp::CompletionItem> {
    let conv = s.conv();
    let offset = conv.offset(pos);
    let line_start = s.index.line_start(s.index.line_of(offset));
    let before = &s.text[line_start..offset];
    let item = |label: String, kind: lsp::CompletionItemKind, detail: Option<String>| {
        lsp::CompletionItem {
            label,
            kind: Some(kind),
            detail,
            ..Default::default()
        }
    };
    let a = analyse(s);
    let m = &a.model;
    let ii = instruction_at(m, offset.saturating_sub(1)).or_else(|| instruction_at(m, offset));
    let current_stage = ii.and_then(|i| m.instructions[i].stage);
    let stage_names = |upto: Option<usize>| -> Vec<lsp::CompletionItem> {
        m.stages
            .iter()
            .filter(|st| upto.is_none_or(|u| st.index < u))
            .filter_map(|st| {
                st.name.as_ref().map(|n| {
                    item(
                        n.text.clone(),
                        lsp::CompletionItemKind::MODULE,
                        st.base_word
                            .as_ref()
                            .map(|w| format!("stage {}: FROM {}", st.index, w.text)),
                    )
                })
            })
            .collect()
    };
    let word_start = before
        .rfind(|c: char| !(is_ident(c) || c == '-' || c == '.'))
        .map_or(0, |i| i + 1);
    let prefix = &before[..word_start];
    // Stage names after `--from=`, `from=` and `FROM `.
    if prefix.ends_with("--from=") || prefix.ends_with("from=") {
        return stage_names(current_stage.map(|s| s + 1));
    }
    let trimmed = prefix.trim_start();
    if trimmed.eq_ignore_ascii_case("FROM ")
        || (trimmed.len() > 5
            && trimmed[..5].eq_ignore_ascii_case("FROM ")
            && trimmed.ends_with(' ')
            && !trimmed.to_ascii_uppercase().contains(" AS "))
    {
        let next = ii.map(|i| m.stages.iter().filter(|st| st.from < i).count());
        return stage_names(next.or(Some(m.stages.len())));
    }
    // Variable names after `$` or `${`.
    if prefix.ends_with('$') || prefix.ends_with("${") {
        let mut seen = std::collections::BTreeMap::new();
        let defs: Vec<&VarDef> = match current_stage {
            Some(st) => m
                .scope
                .stages
                .get(st)
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
            None => m.scope.global.iter().collect(),
        };
        for d in defs {
            if d.instruction.is_none_or(|di| ii.is_none_or(|i| di < i)) {
                seen.insert(d.name.clone(), d.value.clone());
            }
        }
        return seen
            .into_iter()
            .map(|(name, value)| {
                item(
                    name,
                    lsp::CompletionItemKind::VARIABLE,
                    value.map(|v| format!("= {v}")),
                )
            })
            .collect();
    }
    // Flags after `--` on an instruction.
    if before[word_start.saturating_sub(2)..].starts_with("--") || before.ends_with("--") {
        if let Some(i) = ii {
            let kind = m.instruction(i).keyword.kind;
            return model::known_flags(kind)
                .iter()
                .map(|f| item(format!("--{f}"), lsp::CompletionItemKind::PROPERTY, None))
                .collect();
        }
    }
    // Instruction keywords at the start of a line.
    if prefix.trim().is_empty() {
        return Kind::KNOWN
            .iter()
            .map(|k| {
                item(
                    k.as_str().to_string(),
                    lsp::CompletionItemKind::KEYWORD,
                    keyword_doc(*k).map(str::to_string),
                )
            })
            .collect();
    }
    Vec::new()
}
