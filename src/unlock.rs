//! What a command model would unlock: for a stage where RD501 splits
//! nothing, the commands without an effect model whose model would let it
//! split, found by running RD501 again as if rdock knew them. This is a
//! measure of where a model pays (`rdock explain-deps`, and over a corpus
//! `scripts/parallelism.py`), never a claim about the command: the
//! assumption is the most favourable one, that the command touches no file
//! another step uses, and a real model may find a dependence it hides.

use std::collections::BTreeSet;

use crate::model::Model;
use crate::parallel::models::CommandModel;
use crate::parallel::{self, StageAnalysis};
use crate::settings::Settings;

/// At most this many commands are tried one by one in a stage.
const MAX_SINGLES: usize = 12;
/// Rounds of taking every unmodelled command of a stage as known, each
/// revealing the next one a RUN runs (a RUN is opaque from its first).
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

/// For each stage in `stages` (those without a proposal), what models
/// would let RD501 split it, if any.
pub fn unlocks(text: &str, settings: &Settings, stages: &[usize]) -> Vec<Unlock> {
    let mut out = Vec::new();
    if stages.is_empty() {
        return out;
    }
    let rd501 = settings.with_only("RD501");
    let base = rd501.build.commands.clone();
    let assume = |names: &BTreeSet<String>| -> Settings {
        let mut s = rd501.clone();
        s.build.commands = base.clone();
        s.build
            .commands
            .extend(names.iter().map(|n| CommandModel::pure(n)));
        s
    };
    let first = unmodelled(text, &rd501);
    for &stage in stages {
        // RD501 may split it already (inside RUN steps, say).
        if proposal_in(text, &rd501, stage).is_some() {
            continue;
        }
        let Some(found) = first.get(stage).filter(|f| !f.is_empty()) else {
            continue;
        };
        let singles: Vec<Unlock> = found
            .iter()
            .take(MAX_SINGLES)
            .filter_map(|c| {
                let names = BTreeSet::from([c.clone()]);
                proposal_in(text, &assume(&names), stage).map(|message| Unlock {
                    stage,
                    commands: vec![c.clone()],
                    message,
                })
            })
            .collect();
        if !singles.is_empty() {
            out.extend(singles);
            continue;
        }
        let mut names = found.clone();
        for _ in 0..MAX_ROUNDS {
            let more = unmodelled(text, &assume(&names))
                .get(stage)
                .cloned()
                .unwrap_or_default();
            if more.is_subset(&names) {
                break;
            }
            names.extend(more);
        }
        if names.len() > 1 {
            if let Some(message) = proposal_in(text, &assume(&names), stage) {
                out.push(Unlock {
                    stage,
                    commands: names.into_iter().collect(),
                    message,
                });
            }
        }
    }
    out
}

/// Per stage, the commands without a model that make a step opaque, whole
/// RUN steps and each command of a RUN alike (as RD501 looks at both).
fn unmodelled(text: &str, settings: &Settings) -> Vec<BTreeSet<String>> {
    let (inputs, extra) = (&settings.build.inputs, &settings.build.commands);
    let model = Model::new(text, inputs);
    let mut out = vec![BTreeSet::new(); model.stages.len()];
    let mut take = |a: &StageAnalysis| {
        for step in &a.steps {
            if let Some(n) = &step.effects.unmodelled {
                out[a.stage].insert(n.clone());
            }
        }
    };
    for s in 0..model.stages.len() {
        take(&parallel::analyze_settled(&model, s, inputs, extra));
    }
    if let Some(e) = parallel::explode::explode(&model, inputs, extra) {
        let emodel = Model::new(&e.text, inputs);
        if emodel.stages.len() == model.stages.len() {
            let graph = crate::analysis::graph_of(&model, settings);
            for s in 0..emodel.stages.len() {
                take(&e.analyze(&emodel, s, graph.may_ship(&model, s), inputs, extra));
            }
        }
    }
    out
}

/// RD501's message about `stage` under `settings`, if it has one.
fn proposal_in(text: &str, settings: &Settings, stage: usize) -> Option<String> {
    let model = Model::new(text, &settings.build.inputs);
    crate::check(text, settings)
        .into_iter()
        .find(|d| stage_at(&model, d.span.start) == Some(stage))
        .map(|d| d.message)
}

/// The stage whose instructions hold byte `offset`.
fn stage_at(model: &Model<'_>, offset: usize) -> Option<usize> {
    model.stages.iter().position(|st| {
        std::iter::once(st.from)
            .chain(st.body.iter().copied())
            .any(|ii| model.instruction(ii).span.range().contains(&offset))
    })
}
