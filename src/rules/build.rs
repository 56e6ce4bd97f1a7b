//! What the rules read about the build being linted, besides the file
//! itself: the targets, build arguments, registries, command models, the
//! build context's `.dockerignore` and the builds the repository runs.
//! Filled by `crate::settings` (and `crate::session` for the per-file part).

use crate::model::BuildInputs;

#[derive(Debug, Clone, Default)]
pub struct BuildSettings {
    /// `--target`: must name a stage.
    pub cli_targets: Vec<String>,
    /// `targets` from the config file: used where they name a stage.
    pub config_targets: Vec<String>,
    pub inputs: BuildInputs,
    /// `allowed-registries` from the config file: registries base images
    /// may come from (RD444). Empty: any registry.
    pub allowed_registries: Vec<String>,
    /// Effect models from the config file, tried before the built-in ones.
    pub commands: Vec<crate::parallel::models::CommandModel>,
    /// The `.dockerignore` of the file's build context; `None` when there is none.
    pub dockerignore: Option<std::sync::Arc<crate::workspace::dockerignore::Dockerignore>>,
    /// Builds of this Dockerfile found in its repository (bake, compose,
    /// workflows, Makefiles, scripts).
    pub discovered_targets: Vec<crate::workspace::targets::FoundTarget>,
    /// The files looked at for builds (repository-relative).
    pub target_evidence: Vec<String>,
    /// Build arguments and named build contexts the repository's build
    /// files pass to some build, with `path:line`: a default of the
    /// Dockerfile's is not what such a build uses (RD407), and a `--from`
    /// word may be a context (RD102).
    pub passed: std::sync::Arc<crate::workspace::targets::PassedNames>,
}
