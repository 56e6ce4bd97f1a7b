//! The text of a split: edits that turn one serial stage into a prefix
//! stage, one stage per chain, and the original stage joined with COPY --from.

use super::{Proposal, StageAnalysis};
use crate::fix::{Applicability, Edit, Fix};
use crate::model::{pairs, Model, RefTarget};
use crate::syntax::{Kind, NodeKind};
use crate::text::Span;

/// The fix for `proposal` in `analysis`' stage; `None` when it cannot be written
/// (an index reference inside the moved steps).
/// `reserved`: names other rewrites of the same file took in this pass (the
/// fix loop applies them together); the new names are added to it.
pub fn rewrite(
    model: &Model<'_>,
    analysis: &StageAnalysis,
    proposal: &Proposal,
    reserved: &mut Vec<String>,
) -> Option<Fix> {
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
        .chain(reserved.iter().cloned())
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
    reserved.push(prefix.clone());
    reserved.extend(chain_names.iter().cloned());

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
    // Every one of them, in order: a program can read an ARG through its
    // environment without the RUN text naming it (DEBIAN_FRONTEND, proxies).
    let redeclare = |_: &[&str]| -> String {
        let mut out = String::new();
        for (_, decl) in &args_before {
            out.push_str(&format!("{} {decl}\n", kw("ARG")));
        }
        out
    };

    let base_ref = prefix.clone();
    let mut text = String::new();
    let before_blank = region.start >= 2 && model.text[..region.start].ends_with("\n\n");
    if !before_blank {
        text.push('\n');
    }
    let joined = if proposal.handovers.is_empty() {
        "joined with COPY --from below"
    } else if proposal.handovers.len() == k {
        "joined with RUN --mount below"
    } else {
        "joined with COPY --from and RUN --mount below"
    };
    text.push_str(&format!(
        "# rdock (serial-independent-runs): these {k} RUN chains touch separate files,\n# so they run as parallel stages, {joined}.\n"
    ));
    // An ENV or ARG the chain's steps moved past, as it was written.
    let bare = |step: usize| -> String {
        let ii = analysis.steps[step].instruction;
        let node = model.instructions[ii].node;
        let mut t = model.text[model.ast.nodes[node].lines.range()].to_string();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };
    for (c, name) in proposal.split.iter().zip(&chain_names) {
        // The chain's steps, after the ENV and ARG instructions that stood
        // before each of them in the stage: each sees what it saw.
        let last = c.steps.iter().copied().max().unwrap_or(0);
        let steps_text: Vec<String> = proposal
            .segment
            .iter()
            .copied()
            .filter(|&i| i <= last)
            .filter_map(|i| {
                if c.steps.contains(&i) {
                    return Some(block(i));
                }
                let kind = model.instruction(analysis.steps[i].instruction).kind();
                matches!(kind, Kind::Env | Kind::Arg).then(|| bare(i))
            })
            .collect();
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
    // Deletions first (COPY --from cannot carry them), then the copies.
    let removes: Vec<&str> = proposal
        .split
        .iter()
        .flat_map(|c| c.removes.iter().map(|r| r.path.as_str()))
        .collect();
    if !removes.is_empty() {
        let quoted: Vec<String> = removes.iter().map(|p| format!("'{p}'")).collect();
        text.push_str(&format!(
            "# The moved steps delete these; COPY --from cannot carry a deletion.\n{} rm -rf -- {}\n",
            kw("RUN"),
            quoted.join(" ")
        ));
    }
    let handed = |ci: usize| proposal.handovers.iter().any(|h| h.chain == ci);
    for (ci, (c, name)) in proposal.split.iter().zip(&chain_names).enumerate() {
        if handed(ci) {
            continue;
        }
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
    // The hand-over lines of the chains that go in by a RUN, right before
    // the RUN's first piece (see `explode::HANDOVER`).
    let handovers_before = |step: usize| -> String {
        let mut out = String::new();
        for h in proposal.handovers.iter().filter(|h| h.before == step) {
            let (c, name) = (&proposal.split[h.chain], &chain_names[h.chain]);
            for (n, o) in c.outputs.iter().enumerate() {
                let target = if c.outputs.len() == 1 {
                    format!("/.rdock-{name}")
                } else {
                    format!("/.rdock-{name}-{}", n + 1)
                };
                out.push_str(&format!(
                    "{}--mount=type=bind,from={name},source={},target={target}\tcp -p {target} {}\n",
                    super::explode::HANDOVER,
                    o.path,
                    o.path
                ));
            }
        }
        out
    };
    for (&step, t) in proposal.stay.iter().zip(&stay_text) {
        text.push_str(&handovers_before(step));
        text.push_str(t);
    }
    let stay_end = proposal.segment.last().map_or(0, |&l| l + 1);
    for step in stay_end..analysis.steps.len() {
        text.push_str(&handovers_before(step));
    }
    // A RUN makes the mount points /dev, /proc and /sys in the image when
    // the base lacks them (busybox does); a stage whose RUNs all moved away
    // would lose them.
    let runs_before = model.base_chain(s).any(|st| {
        model.stages[st]
            .body
            .iter()
            .any(|&ii| (st != s || ii < first_ii) && model.instruction(ii).kind() == Kind::Run)
    });
    let runs_after = stage
        .body
        .iter()
        .any(|&ii| ii > last_ii && model.instruction(ii).kind() == Kind::Run);
    if !runs_before && !runs_after && stay_text.is_empty() && removes.is_empty() {
        // Copied from a chain stage, whose RUN made them: an empty folder
        // each (and what the base had there), no container to start.
        text.push_str(
            "# The moved RUN steps left the mount points /dev, /proc and /sys (the base may lack them).\n",
        );
        for m in ["/dev", "/proc", "/sys"] {
            text.push_str(&format!(
                "{} --from={} {m} {m}\n",
                kw("COPY"),
                chain_names[0]
            ));
        }
    }
    // The file's own line ending, and no final newline where it had none.
    if model.text.contains("\r\n") {
        let mut crlf = String::with_capacity(text.len() + 64);
        let mut prev = '\0';
        for c in text.chars() {
            if c == '\n' && prev != '\r' {
                crlf.push('\r');
            }
            crlf.push(c);
            prev = c;
        }
        text = crlf;
    }
    if region.end == model.text.len() && !model.text.ends_with('\n') {
        while text.ends_with(['\n', '\r']) {
            text.pop();
        }
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
    // Every proposal builds the same files (the soundness model of
    // serial-independent-runs.md); one with a caveat about the image is
    // offered as unsafe.
    let applicability = match proposal.caveat {
        None => Applicability::Safe,
        Some(_) => Applicability::Unsafe,
    };
    Some(Fix::new(title, edits, applicability))
}
