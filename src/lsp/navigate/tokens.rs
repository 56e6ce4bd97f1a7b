//! Semantic tokens (full document): instruction keywords, flags, variables
//! (their definitions marked), stage names and references to them,
//! comments, parser directives and quoted strings. Read from the model the
//! rules use; tokens never overlap (a variable inside a string cuts it) and
//! never span lines.

use tower_lsp_server::ls_types as lsp;

use super::Snapshot;
use crate::model::{Model, RefTarget};
use crate::syntax::{Args, Instruction, NodeKind};
use crate::Span;

/// The token types, in the order of the legend.
const TYPES: [lsp::SemanticTokenType; 7] = [
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::PARAMETER,
    lsp::SemanticTokenType::VARIABLE,
    lsp::SemanticTokenType::NAMESPACE,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::MACRO,
];
const KEYWORD: u32 = 0;
const FLAG: u32 = 1;
const VARIABLE: u32 = 2;
const STAGE: u32 = 3;
const COMMENT: u32 = 4;
const STRING: u32 = 5;
const DIRECTIVE: u32 = 6;
/// Modifier bit: a definition.
const DECLARATION: u32 = 1;

pub fn legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![lsp::SemanticTokenModifier::DECLARATION],
    }
}

/// `(span, type, modifiers)`.
type Token = (Span, u32, u32);

pub fn semantic_tokens(s: &Snapshot) -> lsp::SemanticTokens {
    let model = Model::new(&s.text, &s.settings.build.inputs);
    let mut tokens = Vec::new();
    let mut strings = Vec::new();
    collect(&model, &mut tokens, &mut strings);
    tokens.sort_by_key(|t| (t.0.start, t.0.end));
    // Strings, cut around every other token inside them.
    let mut cut = Vec::new();
    for st in strings {
        let mut at = st.start;
        let first = tokens.partition_point(|t| t.0.end <= st.start);
        for t in tokens[first..].iter().take_while(|t| t.0.start < st.end) {
            if t.0.start > at {
                cut.push((Span::new(at, t.0.start), STRING, 0));
            }
            at = at.max(t.0.end);
        }
        if at < st.end {
            cut.push((Span::new(at, st.end), STRING, 0));
        }
    }
    tokens.extend(cut);
    tokens.sort_by_key(|t| (t.0.start, t.0.end));
    encode(s, &tokens)
}

fn collect(m: &Model<'_>, tokens: &mut Vec<Token>, strings: &mut Vec<Span>) {
    let text = m.text;
    for node in &m.ast.nodes {
        match &node.kind {
            NodeKind::Comment(c) => tokens.push((c.span, COMMENT, 0)),
            NodeKind::Directive(d) => tokens.push((d.span, DIRECTIVE, 0)),
            NodeKind::Instruction(inst) => {
                instruction(text, inst, tokens, strings);
                if let Args::Onbuild(sub) = &inst.args {
                    instruction(text, sub, tokens, strings);
                }
            }
            NodeKind::Blank => {}
        }
    }
    for st in &m.stages {
        if let Some(n) = &st.name {
            tokens.push((n.span, STAGE, DECLARATION));
        }
    }
    for r in &m.references {
        if matches!(r.target, RefTarget::Stage(_)) {
            tokens.push((r.span, STAGE, 0));
        }
    }
    let defs = m.scope.global.iter().chain(m.scope.stages.iter().flatten());
    let mut declared: Vec<Span> = defs.filter_map(|d| d.span).collect();
    declared.sort();
    declared.dedup();
    tokens.extend(declared.iter().map(|&sp| (sp, VARIABLE, DECLARATION)));
    // Variable uses: `$NAME` and `${NAME...}` in instructions. Only where
    // no other token is (a stage reference written with a variable stays
    // a stage reference).
    tokens.sort_by_key(|t| (t.0.start, t.0.end));
    let mut uses = Vec::new();
    for inst in m.ast.instructions() {
        let body = &text[inst.args_span.start.min(inst.span.end)..inst.span.end];
        let base = inst.args_span.start.min(inst.span.end);
        for (i, _) in body.match_indices('$') {
            if let Some(sp) = var_after(text, base + i) {
                let k = tokens.partition_point(|t| t.0.end <= sp.start);
                if tokens.get(k).is_none_or(|t| t.0.start >= sp.end) {
                    uses.push((sp, VARIABLE, 0));
                }
            }
        }
    }
    tokens.extend(uses);
}

/// The keyword, flags, comment lines and quoted strings of one instruction.
fn instruction(text: &str, inst: &Instruction, tokens: &mut Vec<Token>, strings: &mut Vec<Span>) {
    tokens.push((inst.keyword.span, KEYWORD, 0));
    for f in &inst.flags {
        tokens.push((Span::new(f.span.start, f.name_span.end), FLAG, 0));
    }
    for c in &inst.comments {
        tokens.push((c.span, COMMENT, 0));
    }
    // Quoted strings on the lines of the instruction before any heredoc body.
    let end = inst
        .heredocs
        .iter()
        .map(|h| h.content_span.start)
        .min()
        .unwrap_or(inst.span.end)
        .min(inst.span.end);
    let start = inst.args_span.start.min(end);
    let mut line_start = start;
    for line in text[start..end].split_inclusive('\n') {
        quoted(line, line_start, strings);
        line_start += line.len();
    }
}

/// The quoted strings of one line (a quote left open ends at the line's end).
fn quoted(line: &str, base: usize, out: &mut Vec<Span>) {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim_start().starts_with('#') {
        return;
    }
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            q @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < b.len() && b[j] != q {
                    j += if b[j] == b'\\' && q == b'"' { 2 } else { 1 };
                }
                let end = (j + 1).min(b.len());
                out.push(Span::new(base + i, base + end));
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// `$NAME` or `${NAME` at `dollar`: the span of the name with its `$`/`${`.
fn var_after(text: &str, dollar: usize) -> Option<Span> {
    let b = text.as_bytes();
    let mut start = dollar + 1;
    let braced = b.get(start) == Some(&b'{');
    if braced {
        start += 1;
    }
    let mut end = start;
    while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
        end += 1;
    }
    if end == start || b[start].is_ascii_digit() {
        return None;
    }
    if braced && b.get(end) == Some(&b'}') {
        end += 1;
    }
    Some(Span::new(dollar, end))
}

/// The LSP's relative encoding: each token's line and column after the
/// previous one's, its length, type and modifiers.
fn encode(s: &Snapshot, tokens: &[Token]) -> lsp::SemanticTokens {
    let conv = s.conv();
    let mut data = Vec::with_capacity(tokens.len());
    let (mut line, mut col) = (0u32, 0u32);
    let mut last_end = 0;
    for &(span, kind, mods) in tokens {
        if span.start < last_end || span.is_empty() || s.text[span.range()].contains('\n') {
            continue;
        }
        let a = conv.position(span.start);
        let b = conv.position(span.end);
        if b.line != a.line || b.character <= a.character {
            continue;
        }
        let delta_line = a.line - line;
        let delta_start = if delta_line == 0 {
            a.character - col
        } else {
            a.character
        };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: b.character - a.character,
            token_type: kind,
            token_modifiers_bitset: mods,
        });
        (line, col) = (a.line, a.character);
        last_end = span.end;
    }
    lsp::SemanticTokens {
        result_id: None,
        data,
    }
}
