//! The image configuration a stage builds up, with BuildKit's rules: ENV
//! replaces a variable in place or appends it, ENTRYPOINT clears a CMD the
//! stage did not set, shell forms are wrapped in the stage's SHELL,
//! EXPOSE gives `port/proto` keys, HEALTHCHECK durations are nanoseconds.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::exec::ImageConfig;

/// The default PATH BuildKit gives an image without one (`FROM scratch`)
/// and a step whose environment has none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Clone, Default)]
pub struct ImageState {
    /// Every field as the image JSON spells it (`Env`, `Cmd`, ...).
    pub fields: Map<String, Value>,
    /// Whether this stage set CMD (ENTRYPOINT keeps it then).
    pub cmd_set: bool,
}

/// Add or replace `key` in a list of `KEY=VALUE`.
pub fn set_env(list: &mut Vec<(String, String)>, key: &str, value: &str) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some(e) => e.1 = value.to_string(),
        None => list.push((key.to_string(), value.to_string())),
    }
}

impl ImageState {
    /// `FROM scratch`: BuildKit's empty image.
    pub fn scratch() -> ImageState {
        let mut s = ImageState::default();
        s.fields
            .insert("Env".into(), json!([format!("PATH={DEFAULT_PATH}")]));
        s.fields.insert("WorkingDir".into(), json!("/"));
        s
    }

    /// An image's `config` object.
    pub fn from_config(config: &Value) -> ImageState {
        ImageState {
            fields: config.as_object().cloned().unwrap_or_default(),
            cmd_set: false,
        }
    }

    pub fn env(&self) -> Vec<(String, String)> {
        self.fields
            .get("Env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e.to_string(), String::new()),
            })
            .collect()
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        let mut env = self.env();
        set_env(&mut env, key, value);
        let list: Vec<Value> = env.iter().map(|(k, v)| json!(format!("{k}={v}"))).collect();
        self.fields.insert("Env".into(), Value::Array(list));
    }

    pub fn str(&self, field: &str) -> String {
        self.fields
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    pub fn set(&mut self, field: &str, v: Value) {
        self.fields.insert(field.into(), v);
    }

    pub fn workdir(&self) -> String {
        match self.str("WorkingDir") {
            w if w.is_empty() => "/".into(),
            w => w,
        }
    }

    /// The stage's SHELL, else `/bin/sh -c`.
    pub fn shell(&self) -> Vec<String> {
        let s: Vec<String> = self
            .fields
            .get("Shell")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if s.is_empty() {
            vec!["/bin/sh".into(), "-c".into()]
        } else {
            s
        }
    }

    pub fn set_cmd(&mut self, args: Vec<String>) {
        self.set("Cmd", json!(args));
        self.cmd_set = true;
    }

    pub fn set_entrypoint(&mut self, args: Vec<String>) {
        self.set("Entrypoint", json!(args));
        if !self.cmd_set {
            self.fields.remove("Cmd");
        }
    }

    /// Insert keys into an object field (`ExposedPorts`, `Volumes`).
    pub fn add_keys(&mut self, field: &str, keys: impl IntoIterator<Item = String>) {
        let obj = self
            .fields
            .entry(field.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !obj.is_object() {
            *obj = Value::Object(Map::new());
        }
        if let Some(o) = obj.as_object_mut() {
            for k in keys {
                o.insert(k, json!({}));
            }
        }
    }

    pub fn add_labels(&mut self, labels: BTreeMap<String, String>) {
        let obj = self
            .fields
            .entry("Labels".to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !obj.is_object() {
            *obj = Value::Object(Map::new());
        }
        if let Some(o) = obj.as_object_mut() {
            for (k, v) in labels {
                o.insert(k, json!(v));
            }
        }
    }

    pub fn onbuild(&self) -> Vec<String> {
        self.fields
            .get("OnBuild")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    pub fn add_onbuild(&mut self, trigger: String) {
        let mut list = self.onbuild();
        list.push(trigger);
        self.set("OnBuild", json!(list));
    }

    /// The compared fields, as the BuildKit backends report them.
    pub fn compared(&self) -> ImageConfig {
        crate::exec::config_fields(&Value::Object(self.fields.clone()))
    }
}

/// EXPOSE words -> `port/proto` keys (`80` -> `80/tcp`, ranges expanded).
pub fn ports(words: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for w in words {
        // `ip:host:container` forms: only the container part counts.
        let container = w.rsplit(':').next().unwrap_or(w);
        let (port, proto) = match container.split_once('/') {
            Some((p, pr)) => (p, pr.to_ascii_lowercase()),
            None => (container, "tcp".to_string()),
        };
        let (lo, hi) = match port.split_once('-') {
            Some((a, b)) => (a, b),
            None => (port, port),
        };
        let bad = || format!("invalid containerPort: {port}");
        let lo: u32 = lo.parse().map_err(|_| bad())?;
        let hi: u32 = hi.parse().map_err(|_| bad())?;
        if hi < lo || hi > 65535 {
            return Err(bad());
        }
        out.extend((lo..=hi).map(|p| format!("{p}/{proto}")));
    }
    Ok(out)
}

/// A Go duration (`30s`, `1m30s`, `500ms`, `1h`) in nanoseconds.
pub fn go_duration(s: &str) -> Result<u64, String> {
    let bad = || format!("time: invalid duration \"{s}\"");
    if s == "0" {
        return Ok(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let value: f64 = rest[..n].parse().map_err(|_| bad())?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += value * unit;
        rest = &rest[u..];
    }
    Ok(total.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_replaces_in_place() {
        let mut s = ImageState::scratch();
        s.set_env("A", "1");
        s.set_env("PATH", "/x");
        assert_eq!(s.fields["Env"], json!(["PATH=/x", "A=1"]));
    }

    #[test]
    fn entrypoint_clears_an_inherited_cmd() {
        let mut s = ImageState::from_config(&json!({"Cmd": ["sh"]}));
        s.set_entrypoint(vec!["/e".into()]);
        assert!(!s.fields.contains_key("Cmd"));
        s.set_cmd(vec!["c".into()]);
        s.set_entrypoint(vec!["/f".into()]);
        assert_eq!(s.fields["Cmd"], json!(["c"]));
    }

    #[test]
    fn ports_and_durations() {
        assert_eq!(
            ports(&["80".into(), "53/UDP".into(), "8000-8001".into()]).unwrap(),
            ["80/tcp", "53/udp", "8000/tcp", "8001/tcp"]
        );
        assert!(ports(&["x".into()]).is_err());
        assert_eq!(go_duration("1m30s").unwrap(), 90_000_000_000);
        assert_eq!(go_duration("500ms").unwrap(), 500_000_000);
        assert!(go_duration("5").is_err());
    }
}
