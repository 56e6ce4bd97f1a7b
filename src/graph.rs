//! The stage graph: a petgraph DAG (cycles are possible in broken files)
//! with an edge from a stage to every stage it needs, and the targets.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeRef};

use crate::model::{Model, RefKind, RefTarget};

/// Why a stage needs another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub kind: RefKind,
    /// Index into `Model::references`.
    pub reference: usize,
}

/// Which stages the build targets and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSource {
    /// `--target` on the command line (or the editor's setting).
    Cli,
    /// `targets` in `.rdock.toml`.
    Config,
    /// Builds found in the repository (with `targets` from `.rdock.toml`, if any),
    /// and the last stage.
    Repository,
    /// No target named one of this file's stages: the last stage, as `docker build` does.
    LastStage,
}

#[derive(Debug, Clone)]
pub struct StageGraph {
    pub graph: DiGraph<usize, Edge>,
    /// The target stages (indices), never empty when the file has a stage.
    pub targets: Vec<usize>,
    pub target_source: TargetSource,
    /// `--target` names that no stage has.
    pub unknown_targets: Vec<String>,
    /// For each stage, whether a target reaches it.
    pub reachable: Vec<bool>,
    /// For each stage, whether its files end up in a target image: it is a
    /// target, or a target is built `FROM` it (directly or through other
    /// stages). A stage only copied from (`COPY --from`) is not in the image.
    pub in_image: Vec<bool>,
}

impl StageGraph {
    /// `cli_targets` come from `--target` and must exist; `config_targets`
    /// are a repository-wide list, used where they name a stage of this file.
    pub fn new(model: &Model<'_>, cli_targets: &[String], config_targets: &[String]) -> StageGraph {
        Self::with_discovered(model, cli_targets, config_targets, &[], false)
    }

    /// Like [`StageGraph::new`], with the targets the repository's build files
    /// name (`discovered`); when `found_builds`, the last stage counts too,
    /// as the default build.
    pub fn with_discovered(
        model: &Model<'_>,
        cli_targets: &[String],
        config_targets: &[String],
        discovered: &[String],
        found_builds: bool,
    ) -> StageGraph {
        let mut graph = DiGraph::with_capacity(model.stages.len(), model.references.len());
        for s in &model.stages {
            graph.add_node(s.index);
        }
        for (i, r) in model.references.iter().enumerate() {
            if let RefTarget::Stage(to) = r.target {
                graph.add_edge(
                    NodeIndex::new(r.stage),
                    NodeIndex::new(to),
                    Edge {
                        kind: r.kind,
                        reference: i,
                    },
                );
            }
        }
        let mut unknown_targets = Vec::new();
        let mut targets = Vec::new();
        let mut target_source = TargetSource::LastStage;
        if !cli_targets.is_empty() {
            target_source = TargetSource::Cli;
            for t in cli_targets {
                match model.stage_by_name(t) {
                    Some(s) => targets.push(s),
                    None => unknown_targets.push(t.clone()),
                }
            }
        } else if !config_targets.is_empty() {
            targets.extend(config_targets.iter().filter_map(|t| model.stage_by_name(t)));
            if !targets.is_empty() {
                target_source = TargetSource::Config;
            }
        }
        if cli_targets.is_empty() && found_builds {
            targets.extend(discovered.iter().filter_map(|t| model.stage_by_name(t)));
            if let Some(last) = model.stages.len().checked_sub(1) {
                targets.push(last);
            }
            target_source = TargetSource::Repository;
        }
        if targets.is_empty() {
            if let Some(last) = model.stages.len().checked_sub(1) {
                targets.push(last);
            }
            if target_source == TargetSource::Cli && unknown_targets.is_empty() {
                target_source = TargetSource::LastStage;
            }
        }
        targets.sort_unstable();
        targets.dedup();
        let mut reachable = vec![false; model.stages.len()];
        for &t in &targets {
            let mut dfs = Dfs::new(&graph, NodeIndex::new(t));
            while let Some(n) = dfs.next(&graph) {
                reachable[graph[n]] = true;
            }
        }
        let mut in_image = vec![false; model.stages.len()];
        for &t in &targets {
            for s in model.base_chain(t) {
                in_image[s] = true;
            }
        }
        StageGraph {
            graph,
            targets,
            target_source,
            unknown_targets,
            reachable,
            in_image,
        }
    }

    /// Stages that `stage` needs directly, with the reference.
    pub fn dependencies(&self, stage: usize) -> impl Iterator<Item = (usize, Edge)> + '_ {
        self.graph
            .edges(NodeIndex::new(stage))
            .map(|e| (self.graph[e.target()], *e.weight()))
    }

    /// Stages that use `stage` directly.
    pub fn dependents(&self, stage: usize) -> impl Iterator<Item = (usize, Edge)> + '_ {
        self.graph
            .edges_directed(NodeIndex::new(stage), petgraph::Direction::Incoming)
            .map(|e| (self.graph[e.source()], *e.weight()))
    }

    /// Names of the targets for messages: `build` or `build, test`.
    pub fn target_names(&self, model: &Model<'_>) -> String {
        self.targets
            .iter()
            .map(|&t| model.stages[t].label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
