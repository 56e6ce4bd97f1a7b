//! The editor's settings (`initializationOptions`, `workspace/didChangeConfiguration`):
//! the command line's overrides, in JSON.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::settings::Overrides;

/// `{"target": "app", "buildArgs": {"K": "V"}, "select": [...], "fixAll": true, ...}`,
/// optionally nested under `"rdock"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// One stage name or several.
    pub target: OneOrMany,
    pub build_args: BTreeMap<String, String>,
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    /// Added to `allowed-registries` (RD444).
    pub allowed_registries: Vec<String>,
    /// Offer `source.fixAll.rdock`.
    pub fix_all: bool,
    /// Ignore `.rdock.toml` files.
    pub no_config: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target: OneOrMany::default(),
            build_args: BTreeMap::new(),
            select: None,
            extend_select: Vec::new(),
            ignore: Vec::new(),
            allowed_registries: Vec::new(),
            fix_all: true,
            no_config: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

/// Whether editor settings say anything about rdock's: an `rdock` section,
/// or one of rdock's own keys at the top.
pub fn mentions_rdock(value: &serde_json::Value) -> bool {
    const KEYS: [&str; 9] = [
        "target",
        "buildArgs",
        "select",
        "extendSelect",
        "ignore",
        "allowedRegistries",
        "fixAll",
        "noConfig",
        "rdock",
    ];
    value
        .as_object()
        .is_some_and(|o| KEYS.iter().any(|k| o.contains_key(*k)))
}

impl Options {
    /// Read the settings; unknown rule selectors are an error that says which.
    pub fn from_json(value: Option<serde_json::Value>) -> Result<Options, String> {
        let Some(mut value) = value else {
            return Ok(Options::default());
        };
        if let Some(inner) = value.get_mut("rdock") {
            value = inner.take();
        }
        if value.is_null() {
            return Ok(Options::default());
        }
        let opts: Options =
            serde_json::from_value(value).map_err(|e| format!("invalid rdock settings: {e}"))?;
        if let Err(e) = opts.overrides().validate() {
            use crate::settings::OverrideField as F;
            let name = match e.field {
                F::Select => "select",
                F::ExtendSelect => "extendSelect",
                F::Ignore => "ignore",
                F::AllowedRegistries => "allowedRegistries",
                F::Targets => "target",
            };
            return Err(match e.field {
                F::Targets => format!("empty stage name in `{name}` of the rdock settings"),
                F::AllowedRegistries => format!(
                    "invalid registry `{}` in `{name}` of the rdock settings: {}",
                    e.value, e.why
                ),
                _ => format!(
                    "unknown rule selector `{}` in `{name}` of the rdock settings (`rdock rules` lists the ids and slugs)",
                    e.value
                ),
            });
        }
        Ok(opts)
    }

    pub fn overrides(&self) -> Overrides {
        let targets = match &self.target {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(t) if t.is_empty() => Vec::new(),
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        };
        Overrides {
            select: self.select.clone(),
            extend_select: self.extend_select.clone(),
            ignore: self.ignore.clone(),
            targets,
            build_args: self.build_args.clone(),
            allowed_registries: self.allowed_registries.clone(),
            fail_level: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_nested_and_flat_settings() {
        let o =
            Options::from_json(Some(json!({"rdock": {"target": "app", "fixAll": false}}))).unwrap();
        assert_eq!(o.overrides().targets, vec!["app"]);
        assert!(!o.fix_all);
        let o = Options::from_json(Some(json!({"target": ["a", "b"], "buildArgs": {"K": "V"}})))
            .unwrap();
        assert_eq!(o.overrides().targets, vec!["a", "b"]);
        assert_eq!(
            o.overrides().build_args.get("K").map(String::as_str),
            Some("V")
        );
        assert!(Options::from_json(None).unwrap().fix_all);
        let err = Options::from_json(Some(json!({"ignore": ["RD999x"]}))).unwrap_err();
        assert!(err.contains("RD999x"), "{err}");
        let o = Options::from_json(Some(json!({"allowedRegistries": ["ghcr.io"]}))).unwrap();
        assert_eq!(o.overrides().allowed_registries, vec!["ghcr.io"]);
        let err =
            Options::from_json(Some(json!({"allowedRegistries": ["ghcr.io/x"]}))).unwrap_err();
        assert!(err.contains("invalid registry `ghcr.io/x`"), "{err}");
    }
}
