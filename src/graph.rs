//! The stage graph: a petgraph DAG (cycles are possible in broken files)
//! with an edge from a stage to every stage it needs, and the targets.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeRef};

use crate::model::{Model, RefKind, RefTarget, StageRef};
use crate::workspace::targets::{is_pattern, pattern_matches};

/// Whether a reference holds a variable that a `--build-arg` could set
/// (`FROM ${ARCH}-base`, `--from=${SRC:-0}`): one not given a value on the
/// command line or in the configuration.
pub fn variable_reference(model: &Model<'_>, r: &StageRef) -> bool {
    if !is_pattern(&r.raw) {
        return false;
    }
    let given = |name: &str| {
        let defs = if r.kind == RefKind::From {
            &model.scope.global
        } else {
            match model.scope.stages.get(r.stage) {
                Some(d) => d,
                None => return false,
            }
        };
        defs.iter()
            .rev()
            .find(|d| d.name == name)
            .is_some_and(|d| d.from_build_arg)
    };
    variable_names(&r.raw).iter().any(|n| !given(n))
}

/// The names of the variables in a word: `$A`, `${B}`, `${C:-d}`.
fn variable_names(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let braced = rest.strip_prefix('{');
        let body = braced.unwrap_or(rest);
        let len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        // An expression rdock cannot read counts as a variable no one gave.
        out.push(if len == 0 {
            String::new()
        } else {
            body[..len].to_string()
        });
        rest = &body[len..];
    }
    out
}

/// How many possible edges (see [`StageGraph::possible`]) a graph lists at
/// most; past it every stage counts as possibly reached.
const MAX_POSSIBLE_EDGES: usize = 1 << 18;

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
    /// For each stage, whether a target reaches it (through the edges of
    /// `graph`, which a build without `--build-arg` takes).
    pub reachable: Vec<bool>,
    /// Edges a reference holding a variable could take (`FROM ${ARCH}-base`,
    /// `COPY --from=$SRC`): to every stage whose name (or index) the
    /// reference, each variable standing for any text, could name. Not in
    /// `graph`: rules wanting what surely happens ignore them.
    pub possible: Vec<(usize, usize, Edge)>,
    /// Stages a build found in the repository could target through a
    /// variable (`--target $(TARGET)`, `target: ${{ matrix.t }}`): those
    /// whose name matches the pattern. Not in `targets`.
    pub possible_targets: Vec<usize>,
    /// For each stage, whether a target or possible target reaches it
    /// through edges and possible edges: a stage some build may use.
    pub maybe_reachable: Vec<bool>,
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
        let mut possible = Vec::new();
        // Too many references holding variables to list where each may go:
        // every stage counts as possibly used.
        let mut overflow = false;
        for (i, r) in model.references.iter().enumerate() {
            let edge = Edge {
                kind: r.kind,
                reference: i,
            };
            if let RefTarget::Stage(to) = r.target {
                graph.add_edge(NodeIndex::new(r.stage), NodeIndex::new(to), edge);
            }
            // `FROM 0`: Buildah (imagebuilder) takes a number in FROM as an
            // earlier stage's index; BuildKit pulls an image of that name.
            if r.kind == RefKind::From && matches!(r.target, RefTarget::Image(_)) {
                if let Ok(n) = r.raw.parse::<usize>() {
                    if n < r.stage {
                        possible.push((r.stage, n, edge));
                    }
                }
            }
            if overflow || !variable_reference(model, r) {
                continue;
            }
            if possible.len() + model.stages.len() > MAX_POSSIBLE_EDGES {
                overflow = true;
                continue;
            }
            for s in &model.stages {
                let named = s
                    .name
                    .as_ref()
                    .is_some_and(|n| pattern_matches(&r.raw, &n.text));
                let by_index =
                    r.kind != RefKind::From && pattern_matches(&r.raw, &s.index.to_string());
                if s.index != r.stage
                    && r.target != RefTarget::Stage(s.index)
                    && (named || by_index)
                {
                    possible.push((r.stage, s.index, edge));
                }
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
        let mut possible_targets = Vec::new();
        if cli_targets.is_empty() && found_builds {
            targets.extend(discovered.iter().filter_map(|t| model.stage_by_name(t)));
            for t in discovered.iter().filter(|t| is_pattern(t)) {
                possible_targets.extend(model.stages.iter().filter_map(|s| {
                    let n = s.name.as_ref()?;
                    pattern_matches(t, &n.text).then_some(s.index)
                }));
            }
            possible_targets.sort_unstable();
            possible_targets.dedup();
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
        let mut possible_from = vec![Vec::new(); model.stages.len()];
        for &(from, to, _) in &possible {
            possible_from[from].push(to);
        }
        let mut maybe_reachable = vec![overflow; model.stages.len()];
        let mut todo: Vec<usize> = (0..model.stages.len())
            .filter(|&s| reachable[s])
            .chain(possible_targets.iter().copied())
            .collect();
        while let Some(s) = todo.pop() {
            if std::mem::replace(&mut maybe_reachable[s], true) {
                continue;
            }
            let definite = graph.edges(NodeIndex::new(s)).map(|e| graph[e.target()]);
            let maybe = possible_from[s].iter().copied();
            todo.extend(definite.chain(maybe).filter(|&t| !maybe_reachable[t]));
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
            possible,
            possible_targets,
            maybe_reachable,
            in_image,
        }
    }

    /// Whether the layers of stage `s` may end up in an image a build
    /// makes: it is in a target's image, in the base chain of a stage a
    /// build may target through a variable, or a `FROM` holding a variable
    /// may name it. A stage only copied from (`COPY --from`) ships no layer.
    pub fn may_ship(&self, model: &crate::model::Model<'_>, s: usize) -> bool {
        self.in_image.get(s).copied().unwrap_or(true)
            || self
                .possible_targets
                .iter()
                .any(|&t| model.base_chain(t).any(|b| b == s))
            || self
                .possible
                .iter()
                .any(|(_, to, e)| *to == s && e.kind == crate::model::RefKind::From)
    }

    /// For each stage, whether one of `seeds` reaches it through edges and
    /// possible edges.
    pub fn maybe_reachable_from(&self, seeds: &[usize]) -> Vec<bool> {
        let n = self.reachable.len();
        let mut possible_from = vec![Vec::new(); n];
        for &(from, to, _) in &self.possible {
            possible_from[from].push(to);
        }
        let mut seen = vec![false; n];
        let mut todo: Vec<usize> = seeds.iter().copied().filter(|&s| s < n).collect();
        while let Some(s) = todo.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            let definite = self
                .graph
                .edges(NodeIndex::new(s))
                .map(|e| self.graph[e.target()]);
            todo.extend(
                definite
                    .chain(possible_from[s].iter().copied())
                    .filter(|&t| !seen[t]),
            );
        }
        seen
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
