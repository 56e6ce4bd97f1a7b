//! Code actions: a quick fix per fixable diagnostic (generic over any rule's
//! `Fix`), "ignore RDxxx for this line", and `source.fixAll.rdock`, which is
//! `crate::check_and_fix`, the engine of `rdock lint --fix`.

use std::collections::HashMap;

use serde_json::json;
use tower_lsp_server::ls_types as lsp;

use super::convert::Converter;
use super::diagnostics;
use crate::diagnostic::{Diagnostic, Span};
use crate::fix::{Applicability, Fix};
use crate::settings::Settings;
use crate::syntax;

/// `source.fixAll.rdock`.
pub fn fix_all_kind() -> lsp::CodeActionKind {
    lsp::CodeActionKind::new("source.fixAll.rdock")
}

/// Whether `kind` was asked for by `only` (a requested kind covers its sub-kinds).
pub fn wanted(only: Option<&[lsp::CodeActionKind]>, kind: &lsp::CodeActionKind) -> bool {
    match only {
        None => true,
        Some(list) => list.iter().any(|k| {
            let (k, a) = (k.as_str(), kind.as_str());
            a == k || (a.starts_with(k) && a.as_bytes().get(k.len()) == Some(&b'.'))
        }),
    }
}

/// What the code actions are computed from.
pub struct Request<'a> {
    pub uri: &'a lsp::Uri,
    pub conv: Converter<'a>,
    pub settings: &'a Settings,
    /// The diagnostics of the current text (`crate::check`).
    pub diagnostics: &'a [Diagnostic],
    pub range: Span,
    pub only: Option<&'a [lsp::CodeActionKind]>,
    /// Offer `source.fixAll.rdock` (the `fixAll` setting).
    pub fix_all: bool,
    /// The client resolves edits (`codeAction/resolve`): the fix-all edit,
    /// which re-lints the whole file until nothing changes, is computed
    /// only when the action is chosen.
    pub lazy: bool,
}

/// Every action for the request, edits included.
pub fn code_actions(req: &Request<'_>) -> Vec<lsp::CodeAction> {
    let mut out = Vec::new();
    let text = req.conv.text;
    let touching = |s: Span| s.start <= req.range.end && req.range.start <= s.end;
    let in_range: Vec<&Diagnostic> = req
        .diagnostics
        .iter()
        .filter(|d| touching(d.span))
        .collect();
    for d in &in_range {
        let Some(fix) = &d.fix else { continue };
        if fix.applicability == Applicability::DisplayOnly || fix.edits.is_empty() {
            continue;
        }
        let kind = fix_kind(text, fix);
        if !wanted(req.only, &kind) {
            continue;
        }
        let title = match fix.applicability {
            Applicability::Unsafe => format!("{} (unsafe fix, {})", fix.title, d.code),
            _ => format!("{} ({})", fix.title, d.code),
        };
        let edits = fix
            .edits
            .iter()
            .map(|e| lsp::TextEdit::new(req.conv.range(e.span), e.replacement.clone()))
            .collect();
        out.push(action(
            title,
            kind,
            req.uri,
            edits,
            vec![diagnostics::to_lsp(d, &req.conv, req.uri)],
            fix.applicability == Applicability::Safe,
        ));
    }
    if wanted(req.only, &lsp::CodeActionKind::QUICKFIX) {
        let mut seen = Vec::new();
        // Parsed once for all the diagnostics of the request.
        let ast = (!in_range.is_empty()).then(|| syntax::parse(text));
        for d in &in_range {
            let Some(ast) = &ast else { break };
            let edit = crate::suppress::ignore_edit(ast, text, d.span.start, d.code);
            if seen.contains(&(d.code, edit.span.start)) {
                continue;
            }
            seen.push((d.code, edit.span.start));
            let edit = lsp::TextEdit::new(req.conv.range(edit.span), edit.replacement);
            out.push(action(
                format!("Ignore {} for this line", d.code),
                lsp::CodeActionKind::QUICKFIX,
                req.uri,
                vec![edit],
                vec![diagnostics::to_lsp(d, &req.conv, req.uri)],
                false,
            ));
        }
    }
    if req.fix_all && wanted(req.only, &fix_all_kind()) {
        let safe_fix = |d: &&Diagnostic| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe)
        };
        if req.lazy {
            if req.diagnostics.iter().any(|d| safe_fix(&d)) {
                out.push(action(
                    "Fix all auto-fixable problems (rdock)".into(),
                    fix_all_kind(),
                    req.uri,
                    Vec::new(),
                    Vec::new(),
                    false,
                ));
            }
        } else if let Some(edit) = fix_all_edit(&req.conv, req.settings) {
            out.push(action(
                "Fix all auto-fixable problems (rdock)".into(),
                fix_all_kind(),
                req.uri,
                vec![edit],
                Vec::new(),
                false,
            ));
        }
    }
    out
}

/// A fix that rewrites more than one line (a stage rewrite, say) is a
/// refactoring; one that touches a single line is a quick fix.
fn fix_kind(text: &str, fix: &Fix) -> lsp::CodeActionKind {
    let multi_line = fix.edits.iter().any(|e| {
        text.get(e.span.range()).is_some_and(|s| s.contains('\n')) || e.replacement.contains('\n')
    });
    if multi_line {
        lsp::CodeActionKind::REFACTOR_REWRITE
    } else {
        lsp::CodeActionKind::QUICKFIX
    }
}

/// `check_and_fix` over the whole text, as one edit of the changed region.
pub fn fix_all_edit(conv: &Converter<'_>, settings: &Settings) -> Option<lsp::TextEdit> {
    let text = conv.text;
    let fixed = crate::check_and_fix(text, settings, false).ok()?;
    if fixed.text == text {
        return None;
    }
    let (span, replacement) = minimal_change(text, &fixed.text);
    Some(lsp::TextEdit::new(
        conv.range(span),
        replacement.to_string(),
    ))
}

/// The smallest `span` of `old` whose replacement by the returned slice of `new` gives `new`.
pub fn minimal_change<'n>(old: &str, new: &'n str) -> (Span, &'n str) {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    (
        Span::new(prefix, old.len() - suffix),
        &new[prefix..new.len() - suffix],
    )
}

fn action(
    title: String,
    kind: lsp::CodeActionKind,
    uri: &lsp::Uri,
    edits: Vec<lsp::TextEdit>,
    diagnostics: Vec<lsp::Diagnostic>,
    preferred: bool,
) -> lsp::CodeAction {
    lsp::CodeAction {
        title,
        kind: Some(kind),
        diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
        edit: Some(lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        ..Default::default()
    }
}

/// For lazy resolution: the action without its edit, and what finds it again.
pub fn defer(
    mut a: lsp::CodeAction,
    uri: &lsp::Uri,
    version: i32,
    range: lsp::Range,
) -> lsp::CodeAction {
    a.edit = None;
    a.data = Some(json!({
        "uri": uri.as_str(),
        "version": version,
        "range": range,
    }));
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_change_trims_common_ends() {
        let (s, r) = minimal_change("FROM a as b\n", "FROM a AS b\n");
        assert_eq!((s, r), (Span::new(7, 9), "AS"));
        let (s, r) = minimal_change("é1é", "é2é");
        assert_eq!((s, r), (Span::new(2, 3), "2"));
        let (s, r) = minimal_change("aaa", "aa");
        assert_eq!(s.len() - r.len(), 1);
    }

    #[test]
    fn only_filters_by_prefix() {
        let only = [lsp::CodeActionKind::SOURCE];
        assert!(wanted(Some(&only), &fix_all_kind()));
        assert!(!wanted(Some(&only), &lsp::CodeActionKind::QUICKFIX));
        let only = [lsp::CodeActionKind::new("source.fix")];
        assert!(!wanted(Some(&only), &fix_all_kind()));
        assert!(wanted(None, &lsp::CodeActionKind::QUICKFIX));
    }
}
