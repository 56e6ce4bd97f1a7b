//! Command effect models: data in `rules/commands/*.toml`, compiled in.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::shell::spec::{self, parse_file, SOURCES};
use crate::shell::{Command, ShWord};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// No effect on files.
    Pure,
    /// Reads and writes the paths its selectors name.
    Fs,
    /// Changes state every step shares (package databases, users).
    Shared,
    /// Installs or removes packages (`apk add`, `apt-get install`): writes
    /// and reads the trees packages own (`effects::PACKAGE_TREES`), never
    /// splits off, and lets a step that only runs a program from those
    /// trees move before it with a caveat, unless it names that program's
    /// package (`effects::Install`).
    Install,
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
    /// The model applies only when this operand is a remote URL
    /// (`scheme://...` or `host:path`): `git clone` of a local path also
    /// links the source repository's objects into the clone.
    pub needs_url: Option<usize>,
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

impl CommandModel {
    /// `name` with no file effects and no cost: what `explain-deps`
    /// assumes of a command to see what a model of it would unlock.
    pub fn pure(name: &str) -> CommandModel {
        CommandModel {
            name: name.to_string(),
            kind: Kind::Pure,
            needs_flag: Vec::new(),
            operand_count: None,
            needs_url: None,
            value_flags: Vec::new(),
            reads: Vec::new(),
            writes: Vec::new(),
            deletes: Vec::new(),
            cost: None,
            cpu: false,
        }
    }
}

/// Every built-in model, in file order. A built-in file that does not load
/// is a bug: it panics here (and fails `validate_builtin` in the tests)
/// rather than leaving the commands it models opaque.
pub fn builtin() -> &'static [CommandModel] {
    static MODELS: OnceLock<Vec<CommandModel>> = OnceLock::new();
    MODELS.get_or_init(|| load_builtin().unwrap_or_else(|e| panic!("{e}")))
}

fn load_builtin() -> Result<Vec<CommandModel>, String> {
    let mut out = Vec::new();
    for (name, text) in SOURCES {
        for m in parse_file::<CommandModel>(name, text)?.command {
            validate(&m).map_err(|e| format!("rules/commands/{name}: `{}`: {e}", m.name))?;
            out.push(m);
        }
    }
    Ok(out)
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
    if let Some(Cost::Seconds(s)) = m.cost {
        if !s.is_finite() || s < 0.0 {
            return Err(format!(
                "bad `cost` {s} (a number of seconds, 0 or more, or operand:N)"
            ));
        }
    }
    if let Some(Cost::Expr(e)) = &m.cost {
        e.strip_prefix("operand:")
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| format!("bad cost `{e}` (a number of seconds or operand:N)"))?;
    }
    Ok(())
}

/// Check the built-in files (for tests): every file parses, every model
/// and every spec is valid. The number of models.
pub fn validate_builtin() -> Result<usize, String> {
    spec::validate_builtin()?;
    Ok(load_builtin()?.len())
}

/// The operands of `cmd` for model `m`: its positional words read with the
/// model's value flags and those of the command's spec, after the
/// subcommand when the model names one.
pub fn operands<'c>(cmd: &'c Command, m: &CommandModel) -> Vec<&'c ShWord> {
    let mut flags: Vec<&str> = m.value_flags.iter().map(String::as_str).collect();
    flags.extend(spec::spec_of(cmd).value_flags.iter().map(String::as_str));
    let words = spec::positional(cmd, &flags);
    let skip = usize::from(m.name.contains(' ')).min(words.len());
    words[skip..].to_vec()
}

/// The model for a command: by `name sub` first, then by `name`, the first
/// whose `needs-flag` (if any) the command has.
pub fn find<'m>(models: &'m [CommandModel], cmd: &Command) -> Option<&'m CommandModel> {
    let name = cmd.base_name()?;
    let sub = cmd.operands().next().map(|w| w.text().to_string());
    let count = |m: &CommandModel| operands(cmd, m).len();
    let applies = |m: &&CommandModel| {
        (m.needs_flag.is_empty() || m.needs_flag.iter().any(|f| cmd.has_flag(f)))
            && m.operand_count.is_none_or(|c| c == count(m))
            && m.needs_url.is_none_or(|i| {
                operands(cmd, m)
                    .get(i)
                    .is_some_and(|w| is_remote_url(w.text()))
            })
    };
    if let Some(sub) = sub {
        let full = format!("{name} {sub}");
        if let Some(m) = models.iter().filter(|m| m.name == full).find(applies) {
            return Some(m);
        }
    }
    models.iter().filter(|m| m.name == name).find(applies)
}

/// `scheme://...` (but `file://`), or scp's `[user@]host:path`; not a
/// local path.
fn is_remote_url(s: &str) -> bool {
    if let Some((scheme, _)) = s.split_once("://") {
        return !scheme.is_empty() && scheme != "file" && !scheme.contains('/');
    }
    match s.split_once(':') {
        Some((host, _)) => !host.is_empty() && !host.contains('/'),
        None => false,
    }
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
