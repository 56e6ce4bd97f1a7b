//! Command effect models: data in `rules/commands/*.toml`, compiled in.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::shell::Command;

const SOURCES: [(&str, &str); 4] = [
    ("core.toml", include_str!("../../rules/commands/core.toml")),
    (
        "fetch.toml",
        include_str!("../../rules/commands/fetch.toml"),
    ),
    (
        "shared.toml",
        include_str!("../../rules/commands/shared.toml"),
    ),
    (
        "readonly.toml",
        include_str!("../../rules/commands/readonly.toml"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// No effect on files.
    Pure,
    /// Reads and writes the paths its selectors name.
    Fs,
    /// Changes state every step shares (package databases, users).
    Shared,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Cost {
    Seconds(f64),
    Expr(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CommandModel {
    pub name: String,
    pub kind: Kind,
    #[serde(default)]
    pub needs_flag: Vec<String>,
    /// The model applies only with exactly this many operands.
    pub operand_count: Option<usize>,
    #[serde(default)]
    pub value_flags: Vec<String>,
    #[serde(default)]
    pub reads: Vec<String>,
    #[serde(default)]
    pub writes: Vec<String>,
    #[serde(default)]
    pub deletes: Vec<String>,
    pub cost: Option<Cost>,
    /// The command keeps a core busy (a compiler, compression), so parallel
    /// copies of it share the machine's cores.
    #[serde(default)]
    pub cpu: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    command: Vec<CommandModel>,
}

/// Every built-in model, in file order. A malformed built-in file is a bug caught by tests.
pub fn builtin() -> &'static [CommandModel] {
    static MODELS: OnceLock<Vec<CommandModel>> = OnceLock::new();
    MODELS.get_or_init(|| {
        SOURCES
            .iter()
            .flat_map(|(name, text)| match toml::from_str::<File>(text) {
                Ok(f) => f.command,
                Err(e) => {
                    debug_assert!(false, "rules/commands/{name}: {e}");
                    Vec::new()
                }
            })
            .collect()
    })
}

/// Check one model: every selector and the cost are understood.
pub fn validate(m: &CommandModel) -> Result<(), String> {
    if m.name.trim().is_empty() {
        return Err("the name is empty".into());
    }
    for sel in m.reads.iter().chain(&m.writes).chain(&m.deletes) {
        parse_selector(sel).ok_or_else(|| {
            format!("bad selector `{sel}` (operands, operand:N, operands:A..B, flag:-o,--output, flag-or-cwd:-C, cwd, path:/abs, each optionally after tree:)")
        })?;
    }
    if let Some(Cost::Expr(e)) = &m.cost {
        e.strip_prefix("operand:")
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| format!("bad cost `{e}` (a number of seconds or operand:N)"))?;
    }
    Ok(())
}

/// Check the built-in files (for tests): every file parses and every model is valid.
pub fn validate_builtin() -> Result<usize, String> {
    let mut n = 0;
    for (name, text) in SOURCES {
        let f: File = toml::from_str(text).map_err(|e| format!("rules/commands/{name}: {e}"))?;
        for m in &f.command {
            validate(m).map_err(|e| format!("rules/commands/{name}: `{}`: {e}", m.name))?;
            n += 1;
        }
    }
    Ok(n)
}

/// The model for a command: by `name sub` first, then by `name`, the first
/// whose `needs-flag` (if any) the command has.
pub fn find<'m>(models: &'m [CommandModel], cmd: &Command) -> Option<&'m CommandModel> {
    let name = cmd.base_name()?;
    let sub = cmd
        .args()
        .iter()
        .find(|w| !w.text().starts_with('-'))
        .map(|w| w.text().to_string());
    // Operands after the sub-command, flags and their values skipped.
    let count = |m: &CommandModel| {
        let mut n = 0;
        let mut skip = false;
        let mut sub = m.name.contains(' ');
        for w in cmd.args() {
            let t = w.text();
            if skip {
                skip = false;
            } else if t.starts_with('-') && t.len() > 1 {
                skip = m.value_flags.iter().any(|f| f == t);
            } else if sub {
                sub = false;
            } else {
                n += 1;
            }
        }
        n
    };
    let applies = |m: &&CommandModel| {
        (m.needs_flag.is_empty() || m.needs_flag.iter().any(|f| cmd.has_flag(f)))
            && m.operand_count.is_none_or(|c| c == count(m))
    };
    if let Some(sub) = sub {
        let full = format!("{name} {sub}");
        if let Some(m) = models.iter().filter(|m| m.name == full).find(applies) {
            return Some(m);
        }
    }
    models.iter().filter(|m| m.name == name).find(applies)
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The whole tree below the path.
    pub tree: bool,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Operands {
        from: i64,
        to: Option<i64>,
    },
    Flag(Vec<String>),
    FlagOrCwd(Vec<String>),
    Cwd,
    /// Absolute, or relative to the working directory.
    Path(String),
    /// The directory `git clone URL` creates: the URL's last part without `.git`.
    RepoDir(i64),
}

pub fn parse_selector(s: &str) -> Option<Selector> {
    let (tree, s) = match s.strip_prefix("tree:") {
        Some(r) => (true, r),
        None => (false, s),
    };
    let flags = |r: &str| {
        r.split(',')
            .map(str::trim)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let what = if s == "operands" {
        What::Operands { from: 0, to: None }
    } else if s == "cwd" {
        What::Cwd
    } else if let Some(p) = s.strip_prefix("path:") {
        if p.is_empty() {
            return None;
        }
        What::Path(p.to_string())
    } else if let Some(r) = s.strip_prefix("repo-dir:operand:") {
        What::RepoDir(r.parse().ok()?)
    } else if let Some(r) = s.strip_prefix("operand:") {
        let n: i64 = r.parse().ok()?;
        What::Operands {
            from: n,
            to: Some(if n == -1 { i64::MAX } else { n + 1 }),
        }
    } else if let Some(r) = s.strip_prefix("operands:") {
        let (a, b) = r.split_once("..")?;
        What::Operands {
            from: if a.is_empty() { 0 } else { a.parse().ok()? },
            to: if b.is_empty() {
                None
            } else {
                Some(b.parse().ok()?)
            },
        }
    } else if let Some(r) = s.strip_prefix("flag-or-cwd:") {
        What::FlagOrCwd(flags(r))
    } else if let Some(r) = s.strip_prefix("flag:") {
        What::Flag(flags(r))
    } else {
        return None;
    };
    Some(Selector { tree, what })
}
