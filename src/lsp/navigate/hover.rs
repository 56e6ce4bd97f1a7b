//! Hover: what a variable holds and where it comes from, a stage's
//! targets, a rule's doc on a suppression code, an instruction's keyword.

use tower_lsp_server::ls_types as lsp;

use super::*;

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
            // The rule's summary and a link: its whole doc under every
            // finding made hovers pages long.
            Some(format!(
                "**{}** {}\n\n{} ([{} {}]({}))",
                d.code,
                d.message,
                meta.summary,
                meta.id,
                meta.slug,
                meta.url()
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

/// A rule's doc for a hover on its code, without the markers the doc
/// generator keeps in it.
fn rule_doc(meta: &rules::RuleMeta) -> String {
    let doc: String = meta
        .doc
        .lines()
        .filter(|l| !(l.trim_start().starts_with("<!--") && l.trim_end().ends_with("-->")))
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "{}\n\n[{} {}]({})",
        doc.trim_end(),
        meta.id,
        meta.slug,
        meta.url()
    )
}

pub(super) fn keyword_doc(kind: Kind) -> Option<&'static str> {
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
