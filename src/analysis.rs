//! What every front-end reads about one Dockerfile: the model, the stage
//! graph with the build's targets (the command line's, the configuration's
//! and the builds found in the repository), and the suppression comments.
//! The rules (`crate::check`), the language server's features and `rdock
//! verify`'s timing all build it here, so they agree on which stages a
//! build reaches.

use crate::graph::StageGraph;
use crate::model::Model;
use crate::settings::Settings;
use crate::suppress::Suppressions;

pub struct Analysis<'a> {
    pub model: Model<'a>,
    pub graph: StageGraph,
    pub suppressions: Suppressions,
}

impl<'a> Analysis<'a> {
    pub fn new(text: &'a str, settings: &Settings) -> Analysis<'a> {
        let model = Model::new(text, &settings.build.inputs);
        let graph = graph_of(&model, settings);
        let suppressions = Suppressions::from_ast(&model.ast);
        Analysis {
            model,
            graph,
            suppressions,
        }
    }
}

/// The stage graph of `model` for the targets `settings` name.
pub fn graph_of(model: &Model<'_>, settings: &Settings) -> StageGraph {
    let discovered: Vec<String> = settings
        .build
        .discovered_targets
        .iter()
        .filter_map(|t| t.name.clone())
        .collect();
    StageGraph::with_discovered(
        model,
        &settings.build.cli_targets,
        &settings.build.config_targets,
        &discovered,
        !settings.build.discovered_targets.is_empty(),
    )
}
