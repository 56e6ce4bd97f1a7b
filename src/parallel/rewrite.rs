//! The text of a split: edits that turn one serial stage into a prefix
//! stage, one stage per chain, and the original stage joined with COPY --from.

use super::{Proposal, StageAnalysis};
use crate::diagnostic::Span;
use crate::fix::{Applicability, Edit, Fix};
use crate::model::{pairs, Model, RefTarget};
use crate::syntax::{Kind, NodeKind};

/// The fix for `proposal` in `analysis`' stage; `None` when it cannot be written
/// (an index reference inside the moved steps).
pub fn rewrite(model: &Model<'_>, analysis: &StageAnalysis, proposal: &Proposal) -> Option<Fix> {
    let s = analysis.stage;
    let stage = &model.stages[s];
    let from = model.from_instruction(s);
    let upper = from.keyword.text.chars().any(|c| c.is_ascii_uppercase());
    let kw = |k: &str| {
        if upper {
            k.to_ascii_uppercase()
        } else {
            k.to_ascii_lowercase()
        }
    };
    let as_kw = stage
        .as_keyword
        .as_ref()
        .map(|w| w.text.clone())
        .unwrap_or_else(|| kw("AS"));

    // Names: the prefix, then one per chain, none clashing with the file's.
    let mut taken: Vec<String> = model
        .stages
        .iter()
        .filter_map(|st| st.name_lower())
        .collect();
    let mut fresh = |base: &str| {
        let base = super::sanitize(base);
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) || crate::model::RESERVED_STAGE_NAMES.contains(&name.as_str()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.push(name.clone());
        name
    };
    let prefix = match &stage.name {
        Some(n) => fresh(&format!("{}-base", n.text.to_ascii_lowercase())),
        None => fresh("base"),
    };
    let chain_names: Vec<String> = proposal.split.iter().map(|c| fresh(&c.name)).collect();

    // The region the moved steps occupy: from the first step's leading comments
    // to the end of the last step's lines.
    let first_ii = analysis.steps[*proposal.segment.first()?].instruction;
    let last_ii = analysis.steps[*proposal.segment.last()?].instruction;
    let first_node = model.instructions[first_ii].node;
    let last_node = model.instructions[last_ii].node;
    let mut start_node = first_node;
    while start_node > 0 && matches!(model.ast.nodes[start_node - 1].kind, NodeKind::Comment(_)) {
        start_node -= 1;
    }
    let region = Span::new(
        model.ast.nodes[start_node].lines.start,
        model.ast.nodes[last_node].lines.end,
    );

    // Index references would shift: renumber them, unless one sits in the region.
    let k = proposal.split.len();
    let mut edits = Vec::new();
    for r in &model.references {
        let RefTarget::Stage(t) = r.target else {
            continue;
        };
        if r.raw.parse::<usize>().is_err() || t < s {
            continue;
        }
        if region.contains(r.span) {
            return None;
        }
        edits.push(Edit::replace(r.span, (t + k + 1).to_string()));
    }

    // The block of each step: its leading comments and its lines, verbatim.
    let block = |step: usize| -> String {
        let ii = analysis.steps[step].instruction;
        let node = model.instructions[ii].node;
        let mut b = node;
        while b > start_node && matches!(model.ast.nodes[b - 1].kind, NodeKind::Comment(_)) {
            b -= 1;
        }
        let text = &model.text[model.ast.nodes[b].lines.start..model.ast.nodes[node].lines.end];
        let mut t = text.to_string();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };

    // ARGs declared in the stage before the steps, for redeclaration where used.
    let args_before: Vec<(String, String)> = stage
        .body
        .iter()
        .filter(|&&ii| ii < first_ii)
        .map(|&ii| model.instruction(ii))
        .filter(|i| i.kind() == Kind::Arg)
        .flat_map(|i| {
            pairs(i)
                .iter()
                .map(|p| (p.key.text.clone(), model.text[p.span.range()].to_string()))
        })
        .collect();
    let redeclare = |texts: &[&str]| -> String {
        let mut out = String::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, decl) in args_before.iter().rev() {
            if seen.contains(&name.as_str()) {
                continue;
            }
            let used = texts
                .iter()
                .any(|t| t.contains(&format!("${name}")) || t.contains(&format!("${{{name}")));
            if used {
                seen.push(name);
                out = format!("{} {decl}\n{out}", kw("ARG"));
            }
        }
        out
    };

    let base_ref = prefix.clone();
    let mut text = String::new();
    let before_blank = region.start >= 2 && model.text[..region.start].ends_with("\n\n");
    if !before_blank {
        text.push('\n');
    }
    text.push_str(&format!(
        "# rdock (serial-independent-runs): these {k} RUN chains touch separate files,\n# so they run as parallel stages, joined with COPY --from below.\n"
    ));
    for (c, name) in proposal.split.iter().zip(&chain_names) {
        let steps_text: Vec<String> = c.steps.iter().map(|&i| block(i)).collect();
        let refs: Vec<&str> = steps_text.iter().map(String::as_str).collect();
        text.push_str(&format!(
            "{} {base_ref} {as_kw} {name}\n",
            from.keyword.text
        ));
        text.push_str(&redeclare(&refs));
        for t in &steps_text {
            text.push_str(t);
        }
        text.push('\n');
    }
    text.push_str(&format!("{} {base_ref}", from.keyword.text));
    if let Some(n) = &stage.name {
        text.push_str(&format!(" {as_kw} {}", n.text));
    }
    text.push('\n');
    // ARGs the steps that stay and the rest of the stage use.
    let stay_text: Vec<String> = proposal.stay.iter().map(|&i| block(i)).collect();
    let rest_end = model.stage_span(s).end;
    let rest = &model.text[region.end.min(rest_end)..rest_end];
    let mut uses: Vec<&str> = stay_text.iter().map(String::as_str).collect();
    uses.push(rest);
    text.push_str(&redeclare(&uses));
    for (c, name) in proposal.split.iter().zip(&chain_names) {
        for o in &c.outputs {
            if o.path.contains([' ', '\t', '"', '\\']) {
                let q = serde_json::to_string(&o.path).ok()?;
                text.push_str(&format!("{} --from={name} [{q}, {q}]\n", kw("COPY")));
            } else {
                text.push_str(&format!(
                    "{} --from={name} {} {}\n",
                    kw("COPY"),
                    o.path,
                    o.path
                ));
            }
        }
    }
    for t in &stay_text {
        text.push_str(t);
    }

    // Name the original FROM as the prefix.
    match &stage.name {
        Some(n) => edits.push(Edit::replace(n.span, prefix.clone())),
        None => {
            let base = stage.base_word.as_ref()?;
            edits.push(Edit::insert(base.span.end, format!(" {as_kw} {prefix}")));
        }
    }
    edits.push(Edit::replace(region, text));
    let title = format!(
        "Split stage `{}` into {k} parallel stages ({})",
        stage.label(),
        chain_names.join(", ")
    );
    let applicability = if proposal.unsafe_reasons.is_empty() {
        Applicability::Safe
    } else {
        Applicability::Unsafe
    };
    Some(Fix::new(title, edits, applicability))
}
