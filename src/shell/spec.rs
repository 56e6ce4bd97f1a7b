//! The command vocabulary: which words of a simple command are flags, flag
//! values, subcommands and operands. Data in `rules/commands/*.toml`
//! (`[[spec]]` tables), compiled in; the one operand walker is
//! [`positional`].

use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{Command, ShWord};

/// The built-in command files: `[[spec]]` tables here, `[[command]]` effect
/// models for the parallelizer (`parallel::models`).
pub const SOURCES: [(&str, &str); 5] = [
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
    (
        "specs.toml",
        include_str!("../../rules/commands/specs.toml"),
    ),
];

/// How a tool's command line reads: its names, subcommands, and the flags
/// that take a value as the next word.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CommandSpec {
    pub names: Vec<String>,
    #[serde(default)]
    pub subcommands: Vec<String>,
    #[serde(default)]
    pub value_flags: Vec<String>,
}

/// One command file: effect models (`M`) and specs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File<M> {
    #[serde(default = "Vec::new")]
    pub command: Vec<M>,
    #[serde(default)]
    pub spec: Vec<CommandSpec>,
}

/// Parse one command file, its name in the error.
pub fn parse_file<M: DeserializeOwned>(name: &str, text: &str) -> Result<File<M>, String> {
    toml::from_str(text).map_err(|e| format!("rules/commands/{name}: {e}"))
}

/// Every built-in spec, checked. A built-in file that does not load is a
/// bug: it panics here (and fails `validate_builtin` in the tests) rather
/// than leaving the commands it describes unknown.
pub fn builtin() -> &'static [CommandSpec] {
    static SPECS: OnceLock<Vec<CommandSpec>> = OnceLock::new();
    SPECS.get_or_init(|| validate_builtin().unwrap_or_else(|e| panic!("{e}")))
}

/// Load and check the built-in specs: every file parses, every spec has a
/// name, no name has two specs, every value flag is a flag.
pub fn validate_builtin() -> Result<Vec<CommandSpec>, String> {
    let mut out: Vec<CommandSpec> = Vec::new();
    for (file, text) in SOURCES {
        for s in parse_file::<toml::Value>(file, text)?.spec {
            if s.names.is_empty() || s.names.iter().any(|n| n.trim().is_empty()) {
                return Err(format!("rules/commands/{file}: a spec without a name"));
            }
            if let Some(n) = s.names.iter().find(|n| out.iter().any(|o| o.named(n))) {
                return Err(format!("rules/commands/{file}: `{n}` has two specs"));
            }
            if let Some(f) = s.value_flags.iter().find(|f| !f.starts_with('-')) {
                return Err(format!(
                    "rules/commands/{file}: value flag `{f}` is no flag"
                ));
            }
            out.push(s);
        }
    }
    Ok(out)
}

/// The spec of the command named `name`; a command without one has no
/// flag that takes a value.
pub fn spec(name: &str) -> &'static CommandSpec {
    static NONE: CommandSpec = CommandSpec {
        names: Vec::new(),
        subcommands: Vec::new(),
        value_flags: Vec::new(),
    };
    builtin().iter().find(|s| s.named(name)).unwrap_or(&NONE)
}

/// The spec of `cmd` by its base name.
pub fn spec_of(cmd: &Command) -> &'static CommandSpec {
    spec(cmd.base_name().unwrap_or(""))
}

impl CommandSpec {
    pub fn named(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The positional words of `cmd` read with this spec's value flags.
    pub fn positional<'c>(&self, cmd: &'c Command) -> Vec<&'c ShWord> {
        positional(cmd, &self.value_flags)
    }

    /// The subcommand word when `cmd` is one of `names` (by base name; all
    /// of this spec's names when empty) and its first positional word is
    /// one of `subs`.
    pub fn sub<'c>(&self, cmd: &'c Command, names: &[&str], subs: &[&str]) -> Option<&'c ShWord> {
        let name = cmd.base_name()?;
        let named = if names.is_empty() {
            self.named(name)
        } else {
            names.contains(&name)
        };
        if !named {
            return None;
        }
        let first = self.positional(cmd).into_iter().next()?;
        subs.iter().any(|s| first.is(s)).then_some(first)
    }

    /// The operands after the subcommand word `sub`.
    pub fn operands_after<'c>(&self, cmd: &'c Command, sub: &ShWord) -> Vec<&'c ShWord> {
        self.positional(cmd)
            .into_iter()
            .filter(|w| w.span.start > sub.span.start)
            .collect()
    }
}

/// The positional words of `cmd` (subcommands and operands): flags are
/// skipped, and so is the next word after a flag in `value_flags` (`-c
/// FILE`); `-` alone is positional, and so is every word after `--`.
pub fn positional<'c, S: AsRef<str>>(cmd: &'c Command, value_flags: &[S]) -> Vec<&'c ShWord> {
    positional_in(cmd.args(), value_flags)
}

/// [`positional`] over some of a command's words (those after `-m pip`).
pub fn positional_in<'c, S: AsRef<str>>(words: &'c [ShWord], value_flags: &[S]) -> Vec<&'c ShWord> {
    let mut out = Vec::new();
    let mut args = words.iter();
    while let Some(w) = args.next() {
        let t = w.text();
        if t == "--" {
            out.extend(args.by_ref());
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            if value_flags.iter().any(|f| f.as_ref() == t) {
                args.next();
            }
            continue;
        }
        out.push(w);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_specs_load() {
        let specs = super::validate_builtin().unwrap();
        assert!(specs.iter().any(|s| s.named("pip")));
        assert!(super::spec("dnf")
            .value_flags
            .contains(&"--setopt".to_string()));
    }
}
