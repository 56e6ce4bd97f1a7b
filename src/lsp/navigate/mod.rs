//! Hover, go to definition, references, rename, symbols, folding, code lens
//! and completion: read from the same `Model` and `StageGraph` the rules use.
//! This file: what the cursor is on, and definition, references, rename;
//! `outline.rs`, `hover.rs`, `completion.rs` and `links.rs` (highlight,
//! document links) the other request families.

mod completion;
mod hover;
mod links;
mod outline;
mod tokens;
pub mod workspace;

pub use completion::completion;
pub use hover::hover;
pub use links::{highlight, inlay_hints, links};
pub use outline::{code_lens, folding, symbols, GO_TO_STAGE};
pub use tokens::{legend, semantic_tokens};

use std::collections::HashMap;

use tower_lsp_server::ls_types as lsp;

use super::snapshot::Snapshot;
use crate::analysis::Analysis;
use crate::diagnostic::Span;
use crate::model::{self, Model, RefTarget, VarDef, VarOrigin};
use crate::rules;
use crate::syntax::Kind;

/// The analysis every feature reads: the one `check` runs the rules on
/// (the same targets, so a code lens and RD101 agree on what is reached).
fn analyse(s: &Snapshot) -> Analysis<'_> {
    Analysis::new(&s.text, &s.settings)
}

/// What the cursor is on.
enum Target<'m> {
    Stage(usize),
    Var(&'m VarDef, String),
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The instruction (index into `model.instructions`) whose lines hold `offset`.
fn instruction_at(m: &Model<'_>, offset: usize) -> Option<usize> {
    m.instructions.iter().position(|i| {
        let l = m.ast.nodes[i.node].lines;
        l.start <= offset && offset < l.end
    })
}

/// The scope instruction `ii` sees: a FROM line sees the global ARGs only.
fn scope_stage(m: &Model<'_>, ii: usize) -> Option<usize> {
    if m.instruction(ii).keyword.kind == Kind::From {
        None
    } else {
        m.instructions[ii].stage
    }
}

/// `$NAME` / `${NAME...}` around `offset`: the name and its span.
fn var_use_at(text: &str, offset: usize) -> Option<(String, Span)> {
    let bytes = text.as_bytes();
    let mut start = offset.min(text.len());
    while start > 0 && is_ident(bytes[start - 1] as char) {
        start -= 1;
    }
    let mut end = offset.min(text.len());
    while end < bytes.len() && is_ident(bytes[end] as char) {
        end += 1;
    }
    if start == end {
        return None;
    }
    let dollar = match start.checked_sub(1).map(|i| bytes[i]) {
        Some(b'$') => true,
        Some(b'{') => start >= 2 && bytes[start - 2] == b'$',
        _ => false,
    };
    dollar.then(|| (text[start..end].to_string(), Span::new(start, end)))
}

fn target_at<'m>(a: &'m Analysis<'_>, offset: usize) -> Option<(Target<'m>, Span)> {
    let m = &a.model;
    let inside = |s: Span| s.start <= offset && offset <= s.end;
    for st in &m.stages {
        if let Some(n) = &st.name {
            if inside(n.span) {
                return Some((Target::Stage(st.index), n.span));
            }
        }
    }
    for r in &m.references {
        if let RefTarget::Stage(i) = r.target {
            if inside(r.span) {
                return Some((Target::Stage(i), r.span));
            }
        }
    }
    let defs = m.scope.global.iter().chain(m.scope.stages.iter().flatten());
    for d in defs {
        if let Some(sp) = d.span {
            if inside(sp) {
                return Some((Target::Var(d, d.name.clone()), sp));
            }
        }
    }
    let (name, span) = var_use_at(m.text, offset)?;
    let ii = instruction_at(m, offset)?;
    let def = m.scope.lookup(scope_stage(m, ii), ii, &name)?;
    Some((Target::Var(def, name), span))
}

/// Every use of a variable that resolves to `def`.
fn var_uses(m: &Model<'_>, def: &VarDef) -> Vec<Span> {
    let mut out = Vec::new();
    let text = m.text;
    for (ii, inst) in m.instructions.iter().enumerate() {
        let _ = inst.stage;
        let lines = m.ast.nodes[inst.node].lines;
        let body = &text[lines.range()];
        for (i, _) in body.match_indices('$') {
            let at = lines.start + i + 1;
            let at = if text[at..].starts_with('{') {
                at + 1
            } else {
                at
            };
            let Some((name, span)) = var_use_at(text, at) else {
                continue;
            };
            if name != def.name || span.start != at {
                continue;
            }
            if m.scope
                .lookup(scope_stage(m, ii), ii, &name)
                .is_some_and(|d| d.span == def.span && d.instruction == def.instruction)
            {
                out.push(span);
            }
        }
    }
    out
}

fn stage_refs(m: &Model<'_>, stage: usize) -> Vec<Span> {
    m.references
        .iter()
        .filter(|r| r.target == RefTarget::Stage(stage))
        .map(|r| r.span)
        .collect()
}

fn location(s: &Snapshot, span: Span) -> lsp::Location {
    lsp::Location::new(s.uri.clone(), s.conv().range(span))
}

pub fn definition(s: &Snapshot, pos: lsp::Position) -> Option<lsp::Location> {
    let a = analyse(s);
    let (t, _) = target_at(&a, s.conv().offset(pos))?;
    let span = match t {
        Target::Stage(i) => {
            let st = &a.model.stages[i];
            st.name
                .as_ref()
                .map(|n| n.span)
                .unwrap_or_else(|| a.model.instruction(st.from).span)
        }
        Target::Var(d, _) => d.span?,
    };
    Some(location(s, span))
}

pub fn references(s: &Snapshot, pos: lsp::Position, decl: bool) -> Option<Vec<lsp::Location>> {
    let a = analyse(s);
    let (t, _) = target_at(&a, s.conv().offset(pos))?;
    let mut spans = Vec::new();
    match t {
        Target::Stage(i) => {
            if decl {
                spans.extend(a.model.stages[i].name.as_ref().map(|n| n.span));
            }
            spans.extend(stage_refs(&a.model, i));
        }
        Target::Var(d, _) => {
            if decl {
                spans.extend(d.span);
            }
            spans.extend(var_uses(&a.model, d));
        }
    }
    spans.sort();
    Some(spans.into_iter().map(|sp| location(s, sp)).collect())
}

pub fn prepare_rename(s: &Snapshot, pos: lsp::Position) -> Option<lsp::PrepareRenameResponse> {
    let a = analyse(s);
    match target_at(&a, s.conv().offset(pos))? {
        (Target::Stage(i), span) if a.model.stages[i].name.is_some() => {
            Some(lsp::PrepareRenameResponse::Range(s.conv().range(span)))
        }
        _ => None,
    }
}

/// Rename a stage: its `AS` name and every `FROM`, `--from=` and `from=`
/// reference to it. Refuses invalid names and names another stage has.
pub fn rename(
    s: &Snapshot,
    pos: lsp::Position,
    new_name: &str,
) -> Result<Option<lsp::WorkspaceEdit>, String> {
    let a = analyse(s);
    let Some((Target::Stage(i), _)) = target_at(&a, s.conv().offset(pos)) else {
        return Err(
            "rdock renames stage names; put the cursor on a stage name or a reference to one"
                .into(),
        );
    };
    let Some(name) = &a.model.stages[i].name else {
        return Err("this stage has no name to rename".into());
    };
    if !model::valid_stage_name(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid stage name: use letters, digits, `-`, `_` and `.`, starting with a letter"
        ));
    }
    let lower = new_name.to_ascii_lowercase();
    if model::RESERVED_STAGE_NAMES.contains(&lower.as_str()) {
        return Err(format!("`{new_name}` is reserved by BuildKit"));
    }
    if let Some(other) = a
        .model
        .stages
        .iter()
        .find(|st| st.index != i && st.name_lower().as_deref() == Some(lower.as_str()))
    {
        return Err(format!(
            "a stage named `{}` already exists (stage {}): the names would clash",
            other.label(),
            other.index
        ));
    }
    let mut spans = vec![name.span];
    for r in &a.model.references {
        if r.target == RefTarget::Stage(i) && !r.raw.contains('$') {
            spans.push(r.span);
        }
    }
    let conv = s.conv();
    let edits = spans
        .into_iter()
        .map(|sp| lsp::TextEdit::new(conv.range(sp), new_name.to_string()))
        .collect();
    Ok(Some(lsp::WorkspaceEdit {
        changes: Some(HashMap::from([(s.uri.clone(), edits)])),
        ..Default::default()
    }))
}
