//! Settings for one file: the config file it falls under, overridden by the
//! command line (or the editor). Rule selection works like ruff's.

use std::collections::{BTreeMap, HashMap};

use crate::config::Config;
use crate::diagnostic::Severity;
use crate::model::BuildInputs;
use crate::rules::{self, RuleMeta};

/// Options given on the command line or by an editor; they win over the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces the selection when given.
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub targets: Vec<String>,
    pub build_args: BTreeMap<String, String>,
    /// Added to `allowed-registries` from the config file.
    pub allowed_registries: Vec<String>,
    pub fail_level: Option<Severity>,
}

/// Everything a lint of one file needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Enabled rule ids.
    enabled: Vec<&'static str>,
    pub severity: HashMap<&'static str, Severity>,
    /// `--target`: must name a stage.
    pub cli_targets: Vec<String>,
    /// `targets` from the config file: used where they name a stage.
    pub config_targets: Vec<String>,
    pub inputs: BuildInputs,
    pub fail_level: Severity,
    /// `allowed-registries` from the config file: registries base images
    /// may come from (RD444). Empty: any registry.
    pub allowed_registries: Vec<String>,
    /// Effect models from the config file, tried before the built-in ones.
    pub commands: Vec<crate::parallel::models::CommandModel>,
    /// The `.dockerignore` of the file's build context, read by the caller
    /// (the CLI or the language server); `None` when there is none.
    pub dockerignore: Option<std::sync::Arc<crate::dockerignore::Dockerignore>>,
    /// Builds of this Dockerfile found in its repository (bake, compose,
    /// workflows, Makefiles, scripts), found by the caller.
    pub discovered_targets: Vec<crate::targets::FoundTarget>,
    /// The files the caller looked at for builds (repository-relative).
    pub target_evidence: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(None, &Overrides::default())
    }
}

pub use crate::config::DEFAULT_FAIL_LEVEL;

impl Settings {
    pub fn resolve(config: Option<&Config>, cli: &Overrides) -> Settings {
        let pick = |sels: &[String]| -> Vec<&'static RuleMeta> {
            sels.iter().flat_map(|s| rules::matching(s)).collect()
        };
        let mut enabled: Vec<&'static str> =
            match (config.and_then(|c| c.select.as_ref()), &cli.select) {
                (_, Some(sel)) | (Some(sel), None) => pick(sel).into_iter().map(|m| m.id).collect(),
                (None, None) => rules::metas()
                    .filter(|m| m.default_enabled)
                    .map(|m| m.id)
                    .collect(),
            };
        if cli.select.is_none() {
            if let Some(c) = config {
                enabled.extend(pick(&c.extend_select).into_iter().map(|m| m.id));
                let ignored: Vec<_> = pick(&c.ignore).into_iter().map(|m| m.id).collect();
                enabled.retain(|id| !ignored.contains(id));
            }
        }
        enabled.extend(pick(&cli.extend_select).into_iter().map(|m| m.id));
        let ignored: Vec<_> = pick(&cli.ignore).into_iter().map(|m| m.id).collect();
        enabled.retain(|id| !ignored.contains(id));
        enabled.sort_unstable();
        enabled.dedup();

        let mut severity = HashMap::new();
        if let Some(c) = config {
            for (sel, sev) in &c.severity {
                for m in rules::matching(sel) {
                    severity.insert(m.id, *sev);
                }
            }
        }
        let mut build_args = config.map(|c| c.build_args.clone()).unwrap_or_default();
        build_args.extend(cli.build_args.clone());
        Settings {
            enabled,
            severity,
            cli_targets: cli.targets.clone(),
            config_targets: config.map(|c| c.targets.clone()).unwrap_or_default(),
            inputs: BuildInputs { build_args },
            allowed_registries: config
                .map(|c| c.allowed_registries.clone())
                .unwrap_or_default()
                .into_iter()
                .chain(cli.allowed_registries.iter().cloned())
                .collect(),
            commands: config.map(|c| c.commands.clone()).unwrap_or_default(),
            dockerignore: None,
            discovered_targets: Vec::new(),
            target_evidence: Vec::new(),
            fail_level: cli
                .fail_level
                .or(config.and_then(|c| c.fail_level))
                .unwrap_or(DEFAULT_FAIL_LEVEL),
        }
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.enabled.binary_search(&id).is_ok()
    }

    pub fn severity_of(&self, meta: &RuleMeta) -> Severity {
        self.severity.get(meta.id).copied().unwrap_or(meta.severity)
    }
}
