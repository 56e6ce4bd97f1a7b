use super::Context;
use crate::diagnostic::{Related, Span};
use crate::fix::{Edit, Fix};
use crate::graph::{variable_reference, StageGraph, TargetSource};
use crate::model::{Model, RefKind, RefTarget, StageRef};
use crate::syntax::NodeKind;
use crate::workspace::targets::{is_pattern, pattern_matches};

declare_rule! {
    /// A stage that no build target reaches.
    UnreachableStage: RD101 "unreachable-stage", Warning, "Stage is not reached by the build target";
    fix: Sometimes, unused_code
}

fn check(cx: &mut Context<'_>) {
    let (model, graph) = (cx.model, cx.graph);
    if !graph.unknown_targets.is_empty() || model.stages.len() < 2 {
        return;
    }
    let names: Vec<String> = graph
        .targets
        .iter()
        .map(|&t| match &model.stages[t].name {
            Some(n) => format!("`{}`", n.text),
            None if t + 1 == model.stages.len() => "the last stage".into(),
            None => format!("stage {t}"),
        })
        .collect();
    let shown = match names.len() {
        0..=3 => names.join(", "),
        n => format!("{}, and {} more", names[..3].join(", "), n - 3),
    };
    let plural = if graph.targets.len() > 1 { "s" } else { "" };
    let by = match graph.target_source {
        TargetSource::Cli => format!("target{plural} {shown} (--target)"),
        TargetSource::Config => format!("target{plural} {shown} (`targets` in .rdock.toml)"),
        TargetSource::Repository => {
            format!("the target{plural} the repository builds ({shown})")
        }
        TargetSource::LastStage if model.stages[model.stages.len() - 1].name.is_none() => {
            "the last stage (the default target)".into()
        }
        TargetSource::LastStage => format!("target {shown} (the last stage)"),
    };
    // Where each target comes from, for the related information.
    let origins = |t: usize| -> String {
        let mut why: Vec<String> = Vec::new();
        match graph.target_source {
            TargetSource::Cli => why.push("--target".into()),
            TargetSource::Config => why.push("`targets` in .rdock.toml".into()),
            TargetSource::LastStage => why.push("the last stage, built by default".into()),
            TargetSource::Repository => {
                let name = model.stages[t]
                    .name
                    .as_ref()
                    .map(|n| n.text.to_ascii_lowercase());
                let found: Vec<&str> = cx
                    .settings
                    .discovered_targets
                    .iter()
                    .filter(|f| {
                        f.name.as_ref().map(|n| n.to_ascii_lowercase()) == name && name.is_some()
                    })
                    .map(|f| f.origin.as_str())
                    .collect();
                if !found.is_empty() {
                    let more = found.len().saturating_sub(3);
                    let mut s = format!("built by {}", found[..found.len().min(3)].join(", "));
                    if more > 0 {
                        s.push_str(&format!(" and {more} more"));
                    }
                    why.push(s);
                }
                if t + 1 == model.stages.len() {
                    why.push("the last stage, built by default".into());
                }
                if why.is_empty() {
                    why.push("`targets` in .rdock.toml".into());
                }
            }
        }
        why.join("; ")
    };
    // Stages a build file names in a way rdock cannot follow to a build
    // (`DOCKER_TARGET: slim`): possibly built, with what they use.
    let hinted: Vec<usize> = cx
        .settings
        .discovered_targets
        .iter()
        .filter_map(|t| model.stage_by_name(t.hint.as_deref()?))
        .collect();
    let hinted = if hinted.is_empty() {
        Vec::new()
    } else {
        graph.maybe_reachable_from(&hinted)
    };
    let mut guard: Option<Guard<'_>> = None;
    for stage in &model.stages {
        // A stage whose name holds a variable (`AS ${STAGE}`) could be
        // any name: what uses it is unknown.
        if graph.maybe_reachable[stage.index]
            || hinted.get(stage.index).copied().unwrap_or(false)
            || stage.name.as_ref().is_some_and(|n| is_pattern(&n.text))
        {
            continue;
        }
        let from = model.from_instruction(stage.index);
        let span = match &stage.name {
            Some(n) => Span::new(from.keyword.span.start, n.span.end),
            None => from.span,
        };
        let d = cx
            .report(
                &META,
                span,
                format!(
                    "{} is not reached by {by}",
                    describe_stage(model, stage.index)
                ),
            )
            .label("no build target reaches this stage");
        let last = stage
            .body
            .last()
            .map_or(from.span, |&i| model.instruction(i).span);
        d.unused = Some(Span::new(from.span.start, last.end));
        d.related = graph
            .targets
            .iter()
            .map(|&t| Related {
                span: model.from_instruction(t).span,
                message: format!("target {}: {}", describe(model, t), origins(t)),
            })
            .collect();
        d.help = Some(
            "delete the stage, or if it is built on purpose, name it with --target or in `targets` in .rdock.toml (`rdock targets` lists the builds rdock found)"
                .into(),
        );
        let guard = guard.get_or_insert_with(|| Guard::new(model, graph));
        d.fix = delete_stage(model, guard, stage.index);
    }
}

/// A stage for a message: `` `builder` ``, or `stage 3 (FROM alpine)` when unnamed.
fn describe(model: &Model<'_>, s: usize) -> String {
    let stage = &model.stages[s];
    match &stage.name {
        Some(n) => format!("`{}`", n.text),
        None => {
            let base = stage.base_word.as_ref().map_or("", |w| w.text.as_str());
            let base = match base.char_indices().nth(40) {
                Some((i, _)) => format!("{}...", &base[..i]),
                None => base.to_string(),
            };
            format!("stage {s} (FROM {base})")
        }
    }
}

/// The subject of the message: `` stage `builder` `` or `stage 3 (FROM alpine)`.
fn describe_stage(model: &Model<'_>, s: usize) -> String {
    match &model.stages[s].name {
        Some(_) => format!("stage {}", describe(model, s)),
        None => describe(model, s),
    }
}

/// What makes deleting a stage unsafe, computed once per file so that the
/// rule stays linear in the number of stages.
struct Guard<'m> {
    /// Per stage: another stage uses it, surely, possibly (a reference
    /// holding a variable) or by `COPY --from <name>` (no `=`: BuildKit
    /// rejects it and rdock reads no reference, but the author meant it).
    used: Vec<bool>,
    /// Per stage: how many references in it could name a stage by a number
    /// rdock cannot renumber (`--from=$SRC` with `SRC=1`, `--from=${IDX:-1}`).
    hidden_numbers: Vec<usize>,
    hidden_total: usize,
    /// References by index (`--from=0`), which deleting a stage renumbers.
    numeric_refs: Vec<&'m StageRef>,
}

impl<'m> Guard<'m> {
    fn new(model: &'m Model<'_>, graph: &StageGraph) -> Guard<'m> {
        let n = model.stages.len();
        let mut used: Vec<bool> = (0..n)
            .map(|s| graph.dependents(s).any(|(from, _)| from != s))
            .collect();
        for &(from, to, _) in &graph.possible {
            used[to] |= from != to;
        }
        let mut loose: Vec<(usize, String)> = Vec::new();
        for (ii, r) in model.instructions.iter().enumerate() {
            let Some(stage) = r.stage else { continue };
            let inst = model.instruction(ii);
            let mut words = model.text[inst.span.range()].split_whitespace();
            while let Some(w) = words.next() {
                if w.eq_ignore_ascii_case("--from") {
                    if let Some(name) = words.next() {
                        loose.push((stage, name.to_ascii_lowercase()));
                    }
                }
            }
        }
        if !loose.is_empty() {
            for st in &model.stages {
                if let Some(name) = &st.name {
                    let name = name.text.to_ascii_lowercase();
                    used[st.index] |= loose
                        .iter()
                        .any(|(from, n)| *from != st.index && *n == name);
                }
            }
        }
        let mut hidden_numbers = vec![0; n];
        for r in &model.references {
            if r.kind == RefKind::From {
                continue;
            }
            let numeric_value =
                r.raw.parse::<usize>().is_err() && r.resolved.parse::<usize>().is_ok();
            let numeric_pattern = variable_reference(model, r)
                && (0..n).any(|i| pattern_matches(&r.raw, &i.to_string()));
            if numeric_value || numeric_pattern {
                hidden_numbers[r.stage] += 1;
            }
        }
        Guard {
            used,
            hidden_total: hidden_numbers.iter().sum(),
            hidden_numbers,
            numeric_refs: model
                .references
                .iter()
                .filter(|r| r.raw.parse::<usize>().is_ok())
                .collect(),
        }
    }

    /// Whether deleting stage `s` provably leaves every other stage as it
    /// was: not the last stage (the default target), no other stage uses
    /// it, and no reference elsewhere names a stage by a number hidden in a
    /// variable.
    fn safe_to_delete(&self, model: &Model<'_>, s: usize) -> bool {
        s + 1 != model.stages.len() && !self.used[s] && self.hidden_total == self.hidden_numbers[s]
    }
}

/// Delete a stage's instructions, renumbering index references to the
/// stages after it. Its comments stay, one per line, where the stage was: a
/// fix never deletes what a person wrote to explain something.
/// `None` when deleting is not provably safe ([`Guard::safe_to_delete`]): the last
/// stage (the default target), a stage another stage uses, or references
/// holding a variable that could name a stage by index.
fn delete_stage(model: &Model<'_>, guard: &Guard<'_>, s: usize) -> Option<Fix> {
    if !guard.safe_to_delete(model, s) {
        return None;
    }
    let deleted = model.stage_span(s);
    let mut kept = String::new();
    let mut keep = |span: Span| {
        kept.push_str(model.text[span.range()].trim_start());
        kept.push('\n');
    };
    // The stage's own nodes: looking at the whole file for each stage would
    // make the rule quadratic in the number of stages.
    let nodes = model.stages[s].nodes.clone();
    for node in model.ast.nodes.get(nodes).unwrap_or_default() {
        if !deleted.contains(node.lines) {
            continue;
        }
        match &node.kind {
            NodeKind::Comment(c) => keep(c.span),
            NodeKind::Instruction(i) => i.comments.iter().for_each(|c| keep(c.span)),
            NodeKind::Directive(_) | NodeKind::Blank => {}
        }
    }
    // A comment of the form `# key=value` that would end up at the top of the
    // file, after directives only, would turn into a parser directive (found
    // by fuzzing): no fix then.
    let at_top = model.ast.nodes[..model.stages[s].nodes.start]
        .iter()
        .all(|n| matches!(n.kind, NodeKind::Directive(_)));
    // The same holds for the comments right after the stage, which would
    // move up to the directives.
    let next_comments = model.ast.nodes[model.stages[s].nodes.end.min(model.ast.nodes.len())..]
        .iter()
        .map_while(|n| match &n.kind {
            NodeKind::Comment(c) => Some(&model.text[c.span.range()]),
            _ => None,
        });
    if at_top && kept.lines().chain(next_comments).any(looks_like_directive) {
        return None;
    }
    let mut edits = vec![Edit::replace(deleted, kept)];
    for r in &guard.numeric_refs {
        if let RefTarget::Stage(t) = r.target {
            // References inside the deleted stage go with it.
            if t > s && r.raw.parse::<usize>().is_ok() && !deleted.contains(r.span) {
                edits.push(Edit::replace(r.span, (t - 1).to_string()));
            }
        }
    }
    Some(Fix::unsafe_(
        format!(
            "Delete unreachable {}{}",
            describe_stage(model, s),
            if edits[0].replacement.is_empty() {
                ""
            } else {
                ", keeping its comments"
            }
        ),
        edits,
    ))
}

/// `# key=value`: what BuildKit reads as a parser directive at the top of a file.
fn looks_like_directive(comment: &str) -> bool {
    let Some(rest) = comment.strip_prefix('#') else {
        return false;
    };
    let rest = rest.trim_start();
    let key_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    key_len > 0 && rest[key_len..].trim_start().starts_with('=')
}
