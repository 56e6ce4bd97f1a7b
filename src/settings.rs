//! Settings for one file: the config file it falls under, overridden by the
//! command line (or the editor). Rule selection works like ruff's.

use std::collections::{BTreeMap, HashMap};

use crate::config::{Config, Vocabulary};
use crate::diagnostic::Severity;
use crate::model::BuildInputs;
use crate::parallel::models::{self, CommandModel};
use crate::rules::{self, BuildSettings, RuleMeta};

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

/// Which override an [`InvalidOverride`] is in, so that each front-end can
/// name it its own way (`--select` on the command line, `select` in an
/// editor's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideField {
    Select,
    ExtendSelect,
    Ignore,
    AllowedRegistries,
    Targets,
}

/// An override no rule or registry matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidOverride {
    pub field: OverrideField,
    pub value: String,
    /// What is wrong with it, one phrase.
    pub why: String,
}

impl Overrides {
    /// Checks the rule selectors and registries, for every front-end alike.
    pub fn validate(&self) -> Result<(), InvalidOverride> {
        let selectors = [
            (
                OverrideField::Select,
                self.select.as_deref().unwrap_or_default(),
            ),
            (OverrideField::ExtendSelect, &self.extend_select[..]),
            (OverrideField::Ignore, &self.ignore[..]),
        ];
        for (field, list) in selectors {
            if let Some(bad) = list.iter().find(|s| !rules::is_known_selector(s)) {
                return Err(InvalidOverride {
                    field,
                    value: bad.clone(),
                    why: "no rule has this id, prefix or slug (`rdock rules` lists them)".into(),
                });
            }
        }
        // As `targets` in the configuration: a stage name is never empty.
        if let Some(t) = self.targets.iter().find(|t| t.trim().is_empty()) {
            return Err(InvalidOverride {
                field: OverrideField::Targets,
                value: t.clone(),
                why: "a stage name cannot be empty".into(),
            });
        }
        for r in &self.allowed_registries {
            if let Some(why) = crate::config::invalid_registry(r) {
                return Err(InvalidOverride {
                    field: OverrideField::AllowedRegistries,
                    value: r.clone(),
                    why: why.into(),
                });
            }
        }
        Ok(())
    }
}

/// `--build-arg` values as `docker build` reads them: `KEY=VALUE`, or `KEY`
/// alone for the value of the environment variable `KEY`; when that is not
/// set, the argument is left out, as docker leaves it out. Every command
/// reads them through here.
pub fn parse_build_args(
    list: &[String],
    env: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in list {
        match a.split_once('=') {
            Some(("", _)) => return Err(format!("--build-arg `{a}` has no name before `=`")),
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Some(v) = env(a) {
                    out.insert(a.clone(), v);
                }
            }
        }
    }
    Ok(out)
}

/// Everything a lint of one file needs to know: which rules, how severe,
/// when the run fails (read by the front-ends), and what the rules read
/// about the build ([`BuildSettings`]).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Enabled rule ids.
    enabled: Vec<&'static str>,
    pub severity: HashMap<&'static str, Severity>,
    pub fail_level: Severity,
    pub build: BuildSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(None, &Overrides::default())
    }
}

pub use crate::config::DEFAULT_FAIL_LEVEL;

/// What a configuration file may name: the rules' selectors and the
/// parallelizer's command models (`config::Vocabulary`).
pub const VOCABULARY: Vocabulary = Vocabulary {
    is_known_selector: rules::is_known_selector,
    check_commands,
};

/// The `[[command]]` tables of a configuration file's text, read as
/// command models: the deserializer's error, else each model that
/// `models::validate` refuses, by name, with why.
fn check_commands(text: &str) -> Result<Vec<crate::config::BadCommand>, toml::de::Error> {
    #[derive(serde::Deserialize)]
    struct Commands {
        #[serde(default)]
        command: Vec<CommandModel>,
    }
    let file: Commands = toml::from_str(text)?;
    Ok(file
        .command
        .into_iter()
        .filter_map(|m| models::validate(&m).err().map(|e| (m.name, e)))
        .collect())
}

/// The command models of a configuration's `[[command]]` tables (checked
/// by [`VOCABULARY`] when the file was read).
fn command_models(config: &Config) -> Vec<CommandModel> {
    config
        .commands
        .iter()
        .filter_map(|t| t.clone().try_into().ok())
        .collect()
}

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
            build: BuildSettings {
                cli_targets: cli.targets.clone(),
                config_targets: config.map(|c| c.targets.clone()).unwrap_or_default(),
                inputs: BuildInputs { build_args },
                allowed_registries: config
                    .map(|c| c.allowed_registries.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .chain(cli.allowed_registries.iter().cloned())
                    .collect(),
                commands: config.map(command_models).unwrap_or_default(),
                dockerignore: None,
                discovered_targets: Vec::new(),
                target_evidence: Vec::new(),
                passed: Default::default(),
            },
            fail_level: cli
                .fail_level
                .or(config.and_then(|c| c.fail_level))
                .unwrap_or(DEFAULT_FAIL_LEVEL),
        }
    }

    /// These settings for one `docker build` of `target` (else the last
    /// stage): the targets of the configuration and of the repository's
    /// other builds left out. `rdock verify` times the build it ran so.
    pub fn for_one_build(&self, target: Option<&str>) -> Settings {
        let mut one = self.clone();
        one.build = BuildSettings {
            cli_targets: target.map(|t| vec![t.to_string()]).unwrap_or_default(),
            config_targets: Vec::new(),
            discovered_targets: Vec::new(),
            target_evidence: Vec::new(),
            ..self.build.clone()
        };
        one
    }

    /// These settings with only rule `id` enabled.
    pub fn with_only(&self, id: &'static str) -> Settings {
        Settings {
            enabled: vec![id],
            ..self.clone()
        }
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.enabled.binary_search(&id).is_ok()
    }

    pub fn severity_of(&self, meta: &RuleMeta) -> Severity {
        self.severity.get(meta.id).copied().unwrap_or(meta.severity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_arg_without_a_value_comes_from_the_environment_or_is_left_out() {
        let env = |k: &str| (k == "SET").then(|| "from-env".to_string());
        let args = ["A=1".to_string(), "SET".into(), "UNSET".into(), "B=".into()];
        let parsed = parse_build_args(&args, env).unwrap();
        let want: BTreeMap<String, String> = [("A", "1"), ("B", ""), ("SET", "from-env")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(parsed, want);
        assert!(parse_build_args(&["=x".to_string()], env).is_err());
    }

    #[test]
    fn overrides_name_the_list_an_unknown_selector_is_in() {
        let o = Overrides {
            ignore: vec!["RD101".into(), "no-such-rule".into()],
            ..Overrides::default()
        };
        let e = o.validate().unwrap_err();
        assert_eq!(e.field, OverrideField::Ignore);
        assert_eq!(e.value, "no-such-rule");
        let o = Overrides {
            allowed_registries: vec!["http://x".into()],
            ..Overrides::default()
        };
        assert_eq!(
            o.validate().unwrap_err().field,
            OverrideField::AllowedRegistries
        );
    }
}
