//! Configuration: `.rdock.toml` (or `rdock.toml`) files.
//!
//! A file is linted with the configuration of the nearest configuration file
//! found by walking up from the file's directory to the filesystem root, like
//! ruff and hadolint do; the first one found wins and files are not merged.
//!
//! ```toml
//! select = ["ALL"]              # default: the rules enabled by default
//! extend-select = ["RD203"]     # added to the selection
//! ignore = ["RD106"]            # removed from the selection
//! fail-level = "warning"        # error | warning | info | style; default "style"
//! targets = ["test", "release"] # build targets that are really built
//! allowed-registries = ["docker.io", "*.example.com"] # RD444; empty: any
//! root = true                   # builds are looked for from this folder down
//!
//! [severity]                    # per-rule severity override
//! RD101 = "error"
//!
//! [build-args]                  # like `--build-arg`
//! VERSION = "1.2"
//! ```
//!
//! Parsing is strict: unknown keys, wrong types, unknown severities and rule
//! selectors that name no rule are errors. Every error names the file, the
//! line and the column, and says what is wrong.

use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::SourceSpan;
use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;

mod excerpt;
pub use excerpt::Excerpt;

/// The names a configuration file may have, in order of precedence within one
/// directory.
pub const CONFIG_FILE_NAMES: [&str; 2] = [".rdock.toml", "rdock.toml"];

/// The fail level when neither the configuration nor the command line sets
/// one: `style`, the lowest severity, so any finding makes the run fail (exit
/// code 1), as in ruff.
pub const DEFAULT_FAIL_LEVEL: Severity = Severity::Style;

/// What a configuration file names that config does not define: which
/// rule selectors exist (the rules' registry) and what a `[[command]]`
/// table holds (the parallelizer's effect models). `settings::VOCABULARY`
/// is the real one; passing it in keeps config from importing either.
#[derive(Clone, Copy)]
pub struct Vocabulary {
    /// Whether a rule selector names at least one rule.
    pub is_known_selector: fn(&str) -> bool,
    /// Reads the `[[command]]` tables of a file's text: the deserializer's
    /// error (its span into the text), else each bad table's name and what
    /// is wrong with it.
    pub check_commands: fn(&str) -> Result<Vec<BadCommand>, toml::de::Error>,
}

/// A `[[command]]` table the vocabulary refuses: its name, and why.
pub type BadCommand = (String, String);

/// One configuration file, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it was read from, as shown in messages.
    pub path: Option<PathBuf>,
    /// Rule selectors that replace the default selection; `None` keeps the
    /// rules enabled by default.
    pub select: Option<Vec<String>>,
    /// Rule selectors added to the selection.
    pub extend_select: Vec<String>,
    /// Rule selectors removed from the selection.
    pub ignore: Vec<String>,
    /// Severity overrides, by rule selector.
    pub severity: BTreeMap<String, Severity>,
    /// The run fails (exit code 1) when a finding is at or above this
    /// severity. `None` when unset; the default is [`DEFAULT_FAIL_LEVEL`]
    /// (`style`: any finding fails), see [`Config::effective_fail_level`].
    pub fail_level: Option<Severity>,
    /// Build targets that are really built: stages reachable from any of
    /// them are alive. Empty: only the last stage.
    pub targets: Vec<String>,
    /// Build arguments, like `--build-arg NAME=VALUE`.
    pub build_args: BTreeMap<String, String>,
    /// Registries base images may come from (RD444): host names, `*`
    /// matching any characters. Empty: any registry.
    pub allowed_registries: Vec<String>,
    /// The `[[command]]` tables as written (checked by the vocabulary's
    /// `check_commands`): effect models of the repository's own tools, as
    /// in `rules/commands/*.toml`, tried before the built-in ones.
    /// `settings` reads them into the parallelizer's models.
    pub commands: Vec<toml::Value>,
    /// `root = true`: this folder is the top of the repository: build
    /// files above it are not read (`workspace::root`).
    pub root: bool,
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    /// The file could not be read.
    // The cause is part of the message, not a `#[source]`, so that it shows once.
    #[error("{}: cannot read configuration: {cause}", path.display())]
    #[diagnostic(
        code(rdock::config),
        help(
            "a configuration file is a readable regular file (or a link to one); fix or remove it"
        )
    )]
    Io { path: PathBuf, cause: io::Error },
    /// Both `.rdock.toml` and `rdock.toml` in one folder (`path` is the
    /// first).
    #[error(
        "{}: both `.rdock.toml` and `rdock.toml` are in this folder; rdock will not guess which one is meant",
        path.display()
    )]
    #[diagnostic(
        code(rdock::config),
        help("keep one of them (merge the other into it)")
    )]
    Ambiguous { path: PathBuf },
    /// The file is not valid TOML or not a valid configuration. Boxed to
    /// keep `Result<_, ConfigError>` small.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(Box<ParseError>),
}

/// A configuration file that is not valid TOML or not a valid configuration.
/// Displays as `path:line:column: message`; renders through miette with the
/// offending text underlined and a help line.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}: {message}", location(path, *line_col))]
#[diagnostic(code(rdock::config))]
pub struct ParseError {
    /// The file, as shown in messages.
    pub path: PathBuf,
    /// One-based line and column (in characters) of the problem, when known.
    pub line_col: Option<(usize, usize)>,
    /// What is wrong, one line.
    pub message: String,
    /// The text of the file around the problem, named by `path`.
    #[source_code]
    pub src: Excerpt,
    /// Byte range of the problem in the text, when known.
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    /// Text of the label at `span`.
    pub label: String,
    /// How to fix it.
    #[help]
    pub help: Option<String>,
}

impl ConfigError {
    /// The configuration file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ConfigError::Io { path, .. } | ConfigError::Ambiguous { path } => path,
            ConfigError::Parse(e) => &e.path,
        }
    }
}

fn location(path: &Path, line_col: Option<(usize, usize)>) -> String {
    match line_col {
        Some((line, col)) => format!("{}:{line}:{col}", path.display()),
        None => path.display().to_string(),
    }
}

/// The top-level keys, with what each expects.
const KEYS: [(&str, &str); 10] = [
    (
        "select",
        "`select` is an array of rule selectors, e.g. `select = [\"ALL\"]`",
    ),
    (
        "extend-select",
        "`extend-select` is an array of rule selectors, e.g. `extend-select = [\"RD203\"]`",
    ),
    (
        "ignore",
        "`ignore` is an array of rule selectors, e.g. `ignore = [\"RD106\"]`",
    ),
    (
        "severity",
        "`severity` is a table from rule selector to severity, e.g. `[severity]` then `RD101 = \"error\"`",
    ),
    (
        "fail-level",
        "`fail-level` is one of \"error\", \"warning\", \"info\" or \"style\", e.g. `fail-level = \"warning\"`",
    ),
    (
        "targets",
        "`targets` is an array of stage names, e.g. `targets = [\"test\", \"release\"]`",
    ),
    (
        "build-args",
        "`build-args` is a table of strings, e.g. `[build-args]` then `VERSION = \"1.2\"`",
    ),
    (
        "allowed-registries",
        "`allowed-registries` is an array of registry host names, `*` matching any characters, e.g. `allowed-registries = [\"docker.io\", \"*.example.com\"]`",
    ),
    (
        "root",
        "`root` is true or false: `root = true` makes this folder the top of the repository for finding builds",
    ),
    (
        "command",
        "`[[command]]` tables describe your own tools for the parallelizer, e.g. `name = \"gen-assets\"`, `kind = \"fs\"`, `writes = [\"flag:-o\"]` (see rules/commands/README.md)",
    ),
];

/// What the key `key` expects.
fn key_help(key: &str) -> String {
    KEYS.iter()
        .find(|(name, _)| *name == key)
        .map(|(_, help)| (*help).to_owned())
        .unwrap_or_default()
}

const SELECTOR_HELP: &str = "a rule selector is `ALL`, an id prefix (`RD1`), an id (`RD101`) or a slug (`unreachable-stage`); `rdock rules` lists the rules";

const SEVERITY_HELP: &str = "severities are \"error\", \"warning\", \"info\" and \"style\"";

/// The file as deserialized, before validation. Spans are byte ranges into
/// the text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    fail_level: Option<Spanned<String>>,
    #[serde(default)]
    targets: Vec<Spanned<String>>,
    #[serde(default)]
    build_args: BTreeMap<String, String>,
    #[serde(default)]
    allowed_registries: Vec<Spanned<String>>,
    /// Read as tables here; `Vocabulary::check_commands` reads them again
    /// as command models.
    #[serde(default)]
    command: Vec<toml::Value>,
    #[serde(default)]
    root: bool,
}

/// A problem found in a file: where, what, and how to fix it.
struct Problem {
    span: Option<Range<usize>>,
    message: String,
    label: String,
    help: Option<String>,
}

impl Problem {
    fn at(span: Range<usize>, message: String, label: &str, help: Option<String>) -> Self {
        Problem {
            span: Some(span),
            message,
            label: label.to_owned(),
            help,
        }
    }

    fn into_error(self, text: &str, path: &Path) -> ConfigError {
        let span = self.span.map(|r| clamp(text, r));
        ConfigError::Parse(Box::new(ParseError {
            path: path.to_path_buf(),
            line_col: span.as_ref().map(|r| line_col(text, r.start)),
            message: self.message,
            src: Excerpt::new(
                path.display().to_string(),
                text,
                span.as_ref().map(|r| r.start),
            ),
            span: span.map(SourceSpan::from),
            label: self.label,
            help: self.help,
        }))
    }
}

impl Config {
    /// Parses and validates the text of a configuration file. `path` is used
    /// in messages and stored in [`Config::path`]; `vocabulary` knows the
    /// rule selectors and command models (`settings::VOCABULARY`).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(
        text: &str,
        path: &Path,
        vocabulary: &Vocabulary,
    ) -> Result<Config, ConfigError> {
        parse(text, path, vocabulary).map_err(|p| p.into_error(text, path))
    }

    /// The fail level, or [`DEFAULT_FAIL_LEVEL`] (`style`) when unset.
    pub fn effective_fail_level(&self) -> Severity {
        self.fail_level.unwrap_or(DEFAULT_FAIL_LEVEL)
    }
}

fn parse(text: &str, path: &Path, vocabulary: &Vocabulary) -> Result<Config, Problem> {
    // First pass: the top-level keys with their spans, to report unknown keys
    // well and to know which key a type error is under. A document this pass
    // cannot read is left to the strict pass, which reports it.
    let keys: Vec<Spanned<String>> =
        match toml::from_str::<BTreeMap<Spanned<String>, IgnoredAny>>(text) {
            Ok(map) => {
                let mut keys: Vec<_> = map.into_keys().collect();
                keys.sort_by_key(|k| k.span().start);
                keys
            }
            Err(_) => Vec::new(),
        };
    if let Some(unknown) = keys
        .iter()
        .find(|k| !KEYS.iter().any(|(name, _)| name == k.get_ref()))
    {
        return Err(Problem::at(
            unknown.span(),
            format!("unknown key `{}`", unknown.get_ref()),
            "not a configuration key",
            Some(unknown_key_help(unknown.get_ref())),
        ));
    }

    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_problem(&e, &keys))?;
    let bad_commands = if raw.command.is_empty() {
        Vec::new()
    } else {
        (vocabulary.check_commands)(text).map_err(|e| toml_problem(&e, &keys))?
    };

    let mut problems = Vec::new();
    let mut check_selectors = |key: &str, selectors: &[Spanned<String>]| {
        for s in selectors {
            if !(vocabulary.is_known_selector)(s.get_ref()) {
                problems.push(unknown_selector(s, key));
            }
        }
    };
    if let Some(select) = &raw.select {
        check_selectors("select", select);
    }
    check_selectors("extend-select", &raw.extend_select);
    check_selectors("ignore", &raw.ignore);
    let severity_keys: Vec<Spanned<String>> = raw.severity.keys().cloned().collect();
    check_selectors("severity", &severity_keys);

    let mut severity = BTreeMap::new();
    for (selector, level) in &raw.severity {
        match parse_severity(level) {
            Ok(s) => {
                severity.insert(selector.get_ref().clone(), s);
            }
            Err(p) => problems.push(p),
        }
    }
    let fail_level = match &raw.fail_level {
        Some(level) => match parse_severity(level) {
            Ok(s) => Some(s),
            Err(p) => {
                problems.push(p);
                None
            }
        },
        None => None,
    };
    for target in &raw.targets {
        if target.get_ref().trim().is_empty() {
            problems.push(Problem::at(
                target.span(),
                "empty target name in `targets`".to_owned(),
                "a stage name is needed here",
                Some(key_help("targets")),
            ));
        }
    }
    for registry in &raw.allowed_registries {
        if let Some(why) = invalid_registry(registry.get_ref()) {
            problems.push(Problem::at(
                registry.span(),
                format!(
                    "invalid registry `{}` in `allowed-registries`: {why}",
                    registry.get_ref()
                ),
                "not a registry host name",
                Some(key_help("allowed-registries")),
            ));
        }
    }

    for (name, e) in bad_commands {
        problems.push(Problem {
            span: None,
            message: format!("`[[command]]` `{name}`: {e}"),
            label: String::new(),
            help: Some(key_help("command")),
        });
    }

    // Report the first problem in the file.
    if let Some(first) = problems
        .into_iter()
        .min_by_key(|p| p.span.as_ref().map_or(usize::MAX, |r| r.start))
    {
        return Err(first);
    }

    let strings = |v: Vec<Spanned<String>>| v.into_iter().map(Spanned::into_inner).collect();
    Ok(Config {
        path: Some(path.to_path_buf()),
        select: raw.select.map(strings),
        extend_select: strings(raw.extend_select),
        ignore: strings(raw.ignore),
        severity,
        fail_level,
        targets: strings(raw.targets),
        build_args: raw.build_args,
        allowed_registries: strings(raw.allowed_registries),
        commands: raw.command,
        root: raw.root,
    })
}

/// Why `registry` cannot be an entry of `allowed-registries`: a registry is
/// a host name with an optional port (`ghcr.io`, `localhost:5000`), `*`
/// matching any characters; an image path or tag is not one.
pub fn invalid_registry(registry: &str) -> Option<&'static str> {
    if registry.trim().is_empty() {
        Some("it is empty")
    } else if registry.contains('/') {
        Some("it has a `/`; give the host name only, e.g. `ghcr.io`, not an image path")
    } else if registry.contains('@') {
        Some("it has an `@`; give the host name only")
    } else if !registry
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '*' | '[' | ']'))
    {
        Some("host names have only letters, digits, `.`, `-`, `_`, `:` (port) and `*`")
    } else {
        None
    }
}

fn unknown_selector(selector: &Spanned<String>, key: &str) -> Problem {
    Problem::at(
        selector.span(),
        format!("unknown rule selector `{}` in `{key}`", selector.get_ref()),
        "no rule matches this",
        Some(SELECTOR_HELP.to_owned()),
    )
}

fn parse_severity(level: &Spanned<String>) -> Result<Severity, Problem> {
    Severity::parse(level.get_ref()).ok_or_else(|| {
        Problem::at(
            level.span(),
            format!("unknown severity `{}`", level.get_ref()),
            "not a severity",
            Some(SEVERITY_HELP.to_owned()),
        )
    })
}

/// A problem from the TOML parser or the deserializer: a syntax error, a
/// wrong type, or (should the first pass have missed it) an unknown key.
fn toml_problem(error: &toml::de::Error, keys: &[Spanned<String>]) -> Problem {
    // toml's messages may span lines ("invalid array\nexpected `]`").
    let message = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    let span = error.span();
    // The top-level key the problem is under: the last one that starts
    // before it (top-level keys precede tables; each table runs to the next).
    let key = span.as_ref().and_then(|s| {
        keys.iter()
            .rev()
            .find(|k| k.span().start <= s.start)
            .map(|k| k.get_ref().as_str())
    });
    let help = key.and_then(|key| {
        KEYS.iter()
            .find(|(name, _)| *name == key)
            .map(|(_, help)| (*help).to_owned())
    });
    let (message, label) = match key {
        Some(key) if message.starts_with("invalid type") => {
            (format!("{message} in `{key}`"), "wrong type".to_owned())
        }
        // For syntax errors, toml's second line says what was expected.
        _ => {
            let label = error
                .message()
                .lines()
                .skip(1)
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("here")
                .to_owned();
            (message, label)
        }
    };
    Problem {
        span,
        message,
        label,
        help,
    }
}

fn unknown_key_help(key: &str) -> String {
    let normalized = key.to_ascii_lowercase().replace('_', "-");
    let closest = KEYS
        .iter()
        .map(|(name, _)| (strsim::levenshtein(&normalized, name), *name))
        .min();
    match closest {
        Some((0, name)) => format!("did you mean `{name}`? keys are kebab-case"),
        // (At most a third of a short key's letters: `tool` is not `root`.)
        Some((d, name)) if d <= 2 && d * 3 <= name.len() => format!("did you mean `{name}`?"),
        _ => {
            let names: Vec<String> = KEYS.iter().map(|(n, _)| format!("`{n}`")).collect();
            format!("the keys are {}", names.join(", "))
        }
    }
}

/// `range` limited to `text` and to character boundaries.
fn clamp(text: &str, range: Range<usize>) -> Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(range.start);
    let end = floor(range.end).max(start);
    start..end
}

/// One-based line and column (in characters) of byte `offset`, which must be
/// a character boundary of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
