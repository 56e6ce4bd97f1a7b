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
use crate::syntax::{self, NodeKind};

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
        for d in &in_range {
            let at = suppression_point(text, d.span.start);
            if seen.contains(&(d.code, at)) {
                continue;
            }
            seen.push((d.code, at));
            let edit = match extend_ignore_above(text, at) {
                Some((pos, comma)) => {
                    let p = req.conv.position(pos);
                    let sep = if comma { "," } else { "" };
                    lsp::TextEdit::new(lsp::Range::new(p, p), format!("{sep}{}", d.code))
                }
                None => {
                    let indent: String = text[at..]
                        .chars()
                        .take_while(|c| *c == ' ' || *c == '\t')
                        .collect();
                    let newline = if text[at..].contains("\r\n") {
                        "\r\n"
                    } else {
                        "\n"
                    };
                    let comment = format!("{indent}# rdock ignore={}{newline}", d.code);
                    let pos = req.conv.position(at);
                    lsp::TextEdit::new(lsp::Range::new(pos, pos), comment)
                }
            };
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
        if let Some(edit) = fix_all_edit(&req.conv, req.settings) {
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

/// Where `# rdock ignore=` goes for a finding at `offset`: the start of the
/// instruction that holds it (suppressions apply to the instruction below
/// them), else the start of its line.
fn suppression_point(text: &str, offset: usize) -> usize {
    let ast = syntax::parse(text);
    for node in &ast.nodes {
        if node.lines.start <= offset && offset < node.lines.end.max(node.lines.start + 1) {
            if let NodeKind::Instruction(_) = node.kind {
                return node.lines.start;
            }
        }
    }
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// When the line above `at` (an instruction's start) is a
/// `# rdock ignore=LIST` comment for that instruction, where a code goes at
/// the end of its list, and whether it needs a comma before it.
fn extend_ignore_above(text: &str, at: usize) -> Option<(usize, bool)> {
    let above_end = at.checked_sub(1)?;
    let line_start = text[..above_end].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..above_end].trim_end_matches('\r');
    let hash = line.find('#')?;
    if !line[..hash].trim().is_empty() {
        return None;
    }
    let body = &line[hash + 1..];
    if !body.trim_start().to_ascii_lowercase().starts_with("rdock") {
        return None;
    }
    let (global, _) = crate::suppress::parse_comment(body)?;
    if global {
        return None;
    }
    // The list starts after `ignore`, `=` and blanks, and ends at a blank.
    let after_ignore = body.find("ignore")? + "ignore".len();
    let eq = after_ignore + body[after_ignore..].find('=')?;
    let list_start = eq + 1 + (body[eq + 1..].len() - body[eq + 1..].trim_start().len());
    let list_len = body[list_start..]
        .find(char::is_whitespace)
        .unwrap_or(body.len() - list_start);
    let list = &body[list_start..list_start + list_len];
    Some((
        line_start + hash + 1 + list_start + list_len,
        !list.ends_with(','),
    ))
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
    fn extends_the_ignore_comment_above() {
        let text = "FROM a\n  # rdock ignore=RD101  the reason\nRUN x\n";
        let at = text.find("RUN").unwrap();
        let (pos, comma) = extend_ignore_above(text, at).unwrap();
        assert_eq!(
            (&text[..pos], comma),
            ("FROM a\n  # rdock ignore=RD101", true)
        );
        let text = "FROM a\r\n# rdock ignore = RD101,\r\nRUN x\r\n";
        let at = text.find("RUN").unwrap();
        let (pos, comma) = extend_ignore_above(text, at).unwrap();
        assert_eq!(
            (&text[..pos], comma),
            ("FROM a\r\n# rdock ignore = RD101,", false)
        );
        for above in [
            "# rdock global ignore=RD101\n",
            "# hadolint ignore=DL3008\n",
            "# a comment\n",
            "ENV A=1 # rdock ignore=RD101\n",
            "\n",
        ] {
            let text = format!("FROM a\n{above}RUN x\n");
            let at = text.find("RUN").unwrap();
            assert_eq!(extend_ignore_above(&text, at), None, "{above}");
        }
        assert_eq!(extend_ignore_above("RUN x\n", 0), None);
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
