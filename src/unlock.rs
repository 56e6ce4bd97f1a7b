//! What a command model would unlock: for a stage where RD501 splits
//! nothing, the commands without an effect model whose model would let it
//! split, found by running RD501 again as if rdock knew them. This is a
//! measure of where a model pays (`rdock explain-deps`, and over a corpus
//! `scripts/parallelism.py`), never a claim about the command: the
//! assumption is the most favourable one, that the command touches no file
//! another step uses, and a real model may find a dependence it hides.

use std::collections::BTreeSet;

use crate::graph::StageGraph;
use crate::model::Model;
use crate::parallel::models::CommandModel;
use crate::parallel::{self, StageAnalysis};
use crate::settings::Settings;

/// At most this many commands are tried one by one. Each try is one lint
/// of the file that answers for every stage at once, so a file of many
/// stages costs no more tries than a file of one.
const MAX_SINGLES: usize = 24;
/// Rounds of taking every unmodelled command as known, each revealing the
/// next one a RUN runs (a RUN is opaque from its first).
const MAX_ROUNDS: usize = 4;

/// A split RD501 would propose in `stage` if rdock knew `commands`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unlock {
    pub stage: usize,
    /// The commands taken as known: one, when a model of it alone does it;
    /// else every unmodelled command of the stage.
    pub commands: Vec<String>,
    /// RD501's message with them known.
    pub message: String,
}

/// For each stage in `stages` (those without a proposal) that the build
/// reaches, what models would let RD501 split it, if any.
pub fn unlocks(text: &str, settings: &Settings, stages: &[usize]) -> Vec<Unlock> {
    let rd501 = settings.with_only("RD501");
    let model = Model::new(text, &rd501.build.inputs);
    let graph = crate::analysis::graph_of(&model, &rd501);
    let already = proposals(text, &rd501, &model);
    // Dead stages are RD101's; a stage RD501 splits already (inside RUN
    // steps, say) needs nothing.
    let stuck: Vec<usize> = stages
        .iter()
        .copied()
        .filter(|&s| graph.reachable.get(s).copied().unwrap_or(false))
        .filter(|s| !already.iter().any(|(st, _)| st == s))
        .collect();
    let mut found = unmodelled(&model, &graph, &rd501);
    let candidates: BTreeSet<String> = stuck
        .iter()
        .flat_map(|&s| found[s].iter().cloned())
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let assume = |names: &BTreeSet<String>| -> Settings {
        let mut s = rd501.clone();
        s.build
            .commands
            .extend(names.iter().map(|n| CommandModel::pure(n)));
        s
    };
    let mut out = Vec::new();
    for c in candidates.iter().take(MAX_SINGLES) {
        let names = BTreeSet::from([c.clone()]);
        for (stage, message) in proposals(text, &assume(&names), &model) {
            if stuck.contains(&stage) && found[stage].contains(c) {
                out.push(Unlock {
                    stage,
                    commands: vec![c.clone()],
                    message,
                });
            }
        }
    }
    // The stages no single model opens: every unmodelled command at once.
    let rest: Vec<usize> = stuck
        .into_iter()
        .filter(|&s| !out.iter().any(|u| u.stage == s))
        .collect();
    let mut names: BTreeSet<String> = rest.iter().flat_map(|&s| found[s].clone()).collect();
    for _ in 0..MAX_ROUNDS {
        let more = unmodelled(&model, &graph, &assume(&names));
        let mut grew = false;
        for &s in &rest {
            for n in &more[s] {
                grew |= names.insert(n.clone());
                found[s].insert(n.clone());
            }
        }
        if !grew {
            break;
        }
    }
    for (stage, message) in proposals(text, &assume(&names), &model) {
        if rest.contains(&stage) && found[stage].len() > 1 {
            out.push(Unlock {
                stage,
                commands: found[stage].iter().cloned().collect(),
                message,
            });
        }
    }
    out.sort_by(|a, b| (a.stage, &a.commands).cmp(&(b.stage, &b.commands)));
    out
}

/// Per stage, the commands without a model that make a step opaque, whole
/// RUN steps and each command of a RUN alike (as RD501 looks at both).
/// The command models change the analysis, not the file: `model` and its
/// `graph` are parsed once by the caller.
fn unmodelled(model: &Model<'_>, graph: &StageGraph, settings: &Settings) -> Vec<BTreeSet<String>> {
    let (inputs, extra) = (&settings.build.inputs, &settings.build.commands);
    let mut out = vec![BTreeSet::new(); model.stages.len()];
    let mut take = |a: &StageAnalysis| {
        for step in &a.steps {
            if let Some(n) = &step.effects.unmodelled {
                out[a.stage].insert(n.clone());
            }
        }
    };
    for s in 0..model.stages.len() {
        take(&parallel::analyze_settled(model, s, inputs, extra));
    }
    if let Some(e) = parallel::explode::explode(model, inputs, extra) {
        let emodel = Model::new(&e.text, inputs);
        if emodel.stages.len() == model.stages.len() {
            for s in 0..emodel.stages.len() {
                take(&e.analyze(&emodel, s, graph.may_ship(model, s), inputs, extra));
            }
        }
    }
    out
}

/// RD501's findings under `settings`: the stage of each, and its message.
fn proposals(text: &str, settings: &Settings, model: &Model<'_>) -> Vec<(usize, String)> {
    crate::check(text, settings)
        .into_iter()
        .filter_map(|d| Some((stage_at(model, d.span.start)?, d.message)))
        .collect()
}

/// The stage whose instructions hold byte `offset`.
fn stage_at(model: &Model<'_>, offset: usize) -> Option<usize> {
    model.stages.iter().position(|st| {
        std::iter::once(st.from)
            .chain(st.body.iter().copied())
            .any(|ii| model.instruction(ii).span.range().contains(&offset))
    })
}
