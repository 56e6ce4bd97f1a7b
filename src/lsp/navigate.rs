//! Hover, go to definition, references, rename, symbols, folding, code lens
//! and completion: read from the same `Model` and `StageGraph` the rules use.

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

pub fn code_lens(s: &Snapshot) -> Vec<lsp::CodeLens> {
    let a = analyse(s);
    let conv = s.conv();
    let targets = a.graph.target_names(&a.model);
    a.model
        .stages
        .iter()
        .map(|st| {
            let reached = a.graph.reachable.get(st.index).copied().unwrap_or(false);
            let title = if a.graph.targets.contains(&st.index) {
                format!("target ({targets})")
            } else if reached {
                format!("reached by target {targets}")
            } else {
                format!("not reached by target {targets}: BuildKit skips it")
            };
            lsp::CodeLens {
                range: conv.range(a.model.instruction(st.from).keyword.span),
                command: Some(lsp::Command::new(title, String::new(), None)),
                data: None,
            }
        })
        .collect()
}

pub fn hover(s: &Snapshot, pos: lsp::Position) -> Option<lsp::Hover> {
    let conv = s.conv();
    let offset = conv.offset(pos);
    let markdown = |value: String, span: Span| lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: Some(conv.range(span)),
    };
    // A rule id in a suppression comment.
    let line_no = s.index.line_of(offset);
    let line_start = s.index.line_start(line_no);
    let line = &s.text[line_start..s.index.line_end(line_no)];
    if line.trim_start().starts_with('#') && line.contains("ignore=") {
        let col = offset - line_start;
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-';
        let st = line[..col]
            .rfind(|c: char| !is_word(c))
            .map_or(0, |i| i + 1);
        let en = line[col..]
            .find(|c: char| !is_word(c))
            .map_or(line.len(), |i| col + i);
        if let Some(meta) = rules::lookup(&line[st..en])
            .or_else(|| rules::metas().find(|m| m.slug == &line[st..en]))
        {
            return Some(markdown(
                rule_doc(meta),
                Span::new(line_start + st, line_start + en),
            ));
        }
    }
    // Findings under the cursor, with their rule's doc.
    let diags = s.check();
    let findings: Vec<String> = diags
        .iter()
        .filter(|d| d.span.start <= offset && offset <= d.span.end)
        .filter_map(|d| {
            let meta = rules::lookup(d.code)?;
            Some(format!(
                "**{}** {}\n\n---\n\n{}",
                d.code,
                d.message,
                rule_doc(meta)
            ))
        })
        .collect();
    let a = analyse(s);
    let m = &a.model;
    if let Some((t, span)) = target_at(&a, offset) {
        let text = match t {
            Target::Stage(i) => {
                let st = &m.stages[i];
                let base = match &st.base_word {
                    Some(w) => format!("`FROM {}`", w.text),
                    None => "no base".into(),
                };
                let users: Vec<String> = a
                    .graph
                    .dependents(i)
                    .map(|(j, e)| format!("`{}` ({})", m.stages[j].label(), e.kind.describe()))
                    .collect();
                let reached = a.graph.reachable.get(i).copied().unwrap_or(false);
                format!(
                    "**stage {}** (#{})\n\nbase: {base}\n\nused by: {}\n\n{} by target {}",
                    st.label(),
                    i,
                    if users.is_empty() {
                        "nothing".into()
                    } else {
                        users.join(", ")
                    },
                    if reached { "reached" } else { "not reached" },
                    a.graph.target_names(m)
                )
            }
            Target::Var(d, name) => {
                let value = match &d.value {
                    Some(v) => format!("`{v}`"),
                    None => "no value".into(),
                };
                let origin = match d.origin {
                    VarOrigin::Automatic => "set automatically by BuildKit".to_string(),
                    VarOrigin::Inherited => "inherited from the base stage".to_string(),
                    o => {
                        let kw = if o == VarOrigin::Arg { "ARG" } else { "ENV" };
                        match d.span {
                            Some(sp) => {
                                format!("set by {kw} on line {}", conv.position(sp.start).line + 1)
                            }
                            None => format!("set by {kw}"),
                        }
                    }
                };
                let build_arg = if d.from_build_arg {
                    " (from a build argument)"
                } else {
                    ""
                };
                format!("**${name}** = {value}{build_arg}\n\n{origin}")
            }
        };
        let mut text = text;
        for f in &findings {
            text.push_str("\n\n---\n\n");
            text.push_str(f);
        }
        return Some(markdown(text, span));
    }
    if let Some(d) = diags
        .iter()
        .find(|d| d.span.start <= offset && offset <= d.span.end)
    {
        return Some(markdown(findings.join("\n\n---\n\n"), d.span));
    }
    // An instruction keyword.
    let ii = instruction_at(m, offset)?;
    let inst = m.instruction(ii);
    let kw = inst.keyword.span;
    if kw.start <= offset && offset <= kw.end {
        let doc = keyword_doc(inst.keyword.kind)?;
        return Some(markdown(
            format!("**{}**\n\n{doc}", inst.keyword.kind.as_str()),
            kw,
        ));
    }
    None
}

fn rule_doc(meta: &rules::RuleMeta) -> String {
    format!(
        "{}\n\n[{} {}]({})",
        meta.doc,
        meta.id,
        meta.slug,
        meta.url()
    )
}

fn keyword_doc(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Add => "Copy files, URLs or git repositories into the image; unpacks local tar archives.",
        Kind::Arg => "Declare a build argument (`--build-arg`), visible from here to the end of the stage, or to FROM lines when before the first FROM.",
        Kind::Cmd => "The default command of a container (one per stage; the last wins).",
        Kind::Copy => "Copy files from the build context, or from a stage or image with `--from`.",
        Kind::Entrypoint => "The executable a container runs; CMD supplies its default arguments.",
        Kind::Env => "Set environment variables for the rest of the stage and in the image.",
        Kind::Expose => "Document the ports the container listens on.",
        Kind::From => "Start a stage from an image, `scratch`, or an earlier stage; `AS name` names it.",
        Kind::Healthcheck => "How to check that the container still works (`NONE` disables the base's).",
        Kind::Label => "Add metadata to the image.",
        Kind::Maintainer => "Deprecated: use `LABEL org.opencontainers.image.authors=...`.",
        Kind::Onbuild => "An instruction to run when this image is used as a base.",
        Kind::Run => "Run a command in a new layer; `--mount` adds caches, secrets and bind mounts.",
        Kind::Shell => "The shell used by the shell form of RUN, CMD and ENTRYPOINT.",
        Kind::StopSignal => "The signal that stops the container.",
        Kind::User => "The user (and group) for the rest of the stage and the container.",
        Kind::Volume => "Declare mount points for external volumes.",
        Kind::Workdir => "The working directory for the rest of the stage; created if missing.",
        Kind::Unknown => return None,
    })
}

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
