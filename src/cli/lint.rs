//! `rdock lint`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use rayon::prelude::*;

use super::files::{self, display};
use super::{CliError, ColorArg, Exit};
use crate::config::ConfigError;
use crate::diagnostic::Severity;
use crate::fix::diff::unified;
use crate::input::{self, ReadError};
use crate::render::{self, OutputFormat, RenderOptions};
use crate::render::{FileResult, RunError};
use crate::rules;
use crate::session::{ConfigChoice, Session};
use crate::settings::{self, Overrides, Settings};
use crate::{check, check_and_fix};

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads standard input. Default: the current directory.
    pub paths: Vec<PathBuf>,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Full, env = "RDOCK_OUTPUT_FORMAT")]
    pub output_format: OutputFormat,
    /// Apply safe fixes in place.
    #[arg(long)]
    pub fix: bool,
    /// Also apply (with --fix) or show (with --diff) unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change; write nothing.
    #[arg(long)]
    pub diff: bool,
    /// Rules to check (replaces the default selection): ids, id prefixes, slugs or ALL.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Option<Vec<String>>,
    /// Rules to check in addition to the selection.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub extend_select: Vec<String>,
    /// Rules not to check.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// The stage(s) being built; repeatable. Default: `targets` in .rdock.toml, else the last stage.
    #[arg(long, value_name = "STAGE")]
    pub target: Vec<String>,
    /// A build argument, as for `docker build` (`KEY=VALUE`, or `KEY` to take it from the environment).
    #[arg(long, value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// A registry base images may come from (RD444), added to `allowed-registries`; repeatable, `*` matches any characters.
    #[arg(long, value_name = "REGISTRY")]
    pub allowed_registry: Vec<String>,
    /// Exit 1 when a finding is at or above this severity (default: style, i.e. any finding).
    #[arg(long, value_enum)]
    pub fail_level: Option<Severity>,
    /// Use this configuration file for every file instead of discovering `.rdock.toml`.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    pub no_config: bool,
    /// Print only findings: no summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how often each rule fires instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// The file name to report (and to find the configuration from) for standard input.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// When to use colour in the full and concise formats.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// One input: a path or standard input.
enum Input {
    /// A file, and where it lands when a walk reached it through a link
    /// to outside the folders given (then it is not written).
    File(PathBuf, Option<PathBuf>),
    Stdin,
}

/// What happened to one file.
struct Outcome {
    result: Option<FileResult>,
    fail_level: Severity,
    /// The diff to print (with --diff).
    diff: String,
    /// What standard input's --fix prints: the fixed text, or the input
    /// unchanged when it was not fixed.
    stdin_fixed: Option<Vec<u8>>,
    fixed: usize,
    error: Option<Failure>,
}

/// An error as miette shows it on standard error.
type Problem = Box<dyn miette::Diagnostic + Send + Sync>;

/// An input that could not be linted: why, and standard input's bytes
/// when they were read (--fix gives them back unchanged).
struct NotRead {
    failure: Failure,
    stdin: Option<Vec<u8>>,
}

fn not_read(failure: Failure, stdin: Option<Vec<u8>>) -> Box<NotRead> {
    Box::new(NotRead { failure, stdin })
}

/// An error about one input: shown on standard error, and in the report.
struct Failure {
    shown: Problem,
    entry: RunError,
}

impl Failure {
    /// An error about the file shown as `path` (`None`: about no file).
    fn new(path: Option<&str>, shown: Problem) -> Failure {
        let entry = RunError {
            path: path.map(str::to_owned),
            line_col: None,
            message: shown.to_string(),
            help: shown.help().map(|h| h.to_string()),
        };
        Failure { shown, entry }
    }

    /// A configuration file that could not be used: about that file, at
    /// the line and column of the problem.
    fn config(e: ConfigError) -> Failure {
        let path = display(e.path());
        // The message without the location, which the report gives apart.
        let (line_col, message) = match &e {
            ConfigError::Parse(p) => (p.line_col, p.message.clone()),
            ConfigError::Io { cause, .. } => (None, format!("cannot read configuration: {cause}")),
            ConfigError::Ambiguous { .. } => (
                None,
                "both `.rdock.toml` and `rdock.toml` are in this folder; rdock will not guess which one is meant".into(),
            ),
        };
        let mut f = Failure::new(Some(&path), Box::new(e));
        f.entry.line_col = line_col;
        f.entry.message = message;
        f
    }
}

pub fn run(args: LintArgs) -> Exit {
    let session = match session(&args) {
        Ok(s) => s.with_tops(tops(&args.paths)),
        Err(f) => {
            // Nothing was linted: the report holds the error alone.
            report_errors(&args, vec![f]);
            return Exit::Error;
        }
    };
    let (inputs, failures) = gather(&args);
    if args.fix && !args.diff {
        // Ctrl-C finishes the file being written and starts no other.
        super::write::catch_interrupts();
    }
    let outcomes: Vec<Outcome> = inputs
        .par_iter()
        .map(|input| match read_input(input, &args, &session) {
            Ok((name, text, settings)) => lint_one(&args, input, name, text, &settings),
            Err(e) => {
                let NotRead { failure, stdin } = *e;
                let mut o = Outcome::error(failure);
                if args.fix && !args.diff {
                    // An editor piping the buffer through must get it back unchanged.
                    o.stdin_fixed = stdin;
                }
                o
            }
        })
        .collect();
    let mut tally = Tally {
        not_linted: failures.len(),
        failures,
        ..Tally::default()
    };
    for o in outcomes {
        if let Some(bytes) = &o.stdin_fixed {
            // Not `print!`: a closed pipe must not panic.
            let _ = std::io::stdout().write_all(bytes);
        }
        tally.add(o);
    }
    if !args.quiet {
        // A build file rdock could not read (a bake `inherits` cycle, bad
        // YAML): the builds it names do not count as targets.
        for p in session.build_problems() {
            let line =
                crate::workspace::problem_line(&p, "; the builds it names do not count as targets");
            eprintln!("warning: {line}");
        }
    }
    report(&args, tally)
}

/// Where builds are looked for outside a repository (`workspace::root`):
/// the top of what was linted. Paths on unrelated trees have `/` in
/// common: each is then its own top, rather than walking the whole
/// filesystem.
fn tops(paths: &[PathBuf]) -> Vec<PathBuf> {
    let named: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let named = if named.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        named
    };
    match crate::workspace::common_top(&named) {
        Some(top) if top.parent().is_some() => vec![top],
        _ => named,
    }
}

/// The inputs the paths name (`-` is standard input; none is `.`), and a
/// failure for each path that could not be read (each an input not linted).
fn gather(args: &LintArgs) -> (Vec<Input>, Vec<Failure>) {
    let mut inputs = Vec::new();
    let mut failures = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin, paths): (Vec<_>, Vec<_>) = paths.into_iter().partition(|p| p.as_os_str() == "-");
    if !stdin.is_empty() {
        inputs.push(Input::Stdin);
    }
    if paths.is_empty() {
        return (inputs, failures);
    }
    let found = files::collect(&paths);
    for (path, why) in &found.errors {
        let name = display(path);
        failures.push(Failure::new(
            Some(&name),
            plain(
                format!("cannot read `{name}`: {why}"),
                "check the path and its permissions",
            ),
        ));
    }
    if !args.quiet {
        for (left, kept) in &found.same {
            eprintln!(
                "note: `{}` is the same file as `{}` (a link); it is linted{} once, as `{}`",
                display(left),
                display(kept),
                if args.fix { " and fixed" } else { "" },
                display(kept)
            );
        }
    }
    let outside: std::collections::HashMap<PathBuf, PathBuf> = found.outside.into_iter().collect();
    inputs.extend(found.files.into_iter().map(|f| {
        let real = outside.get(&f).cloned();
        Input::File(f, real)
    }));
    (inputs, failures)
}

/// What the lint of every input came to.
#[derive(Default)]
struct Tally {
    results: Vec<FileResult>,
    failures: Vec<Failure>,
    /// Inputs named but not linted (their errors are printed).
    not_linted: usize,
    diffs: String,
    changed_files: usize,
    fixed: usize,
    /// Some finding is at or above its file's fail level.
    failing: bool,
}

impl Tally {
    fn add(&mut self, o: Outcome) {
        if o.error.is_some() && o.result.is_none() {
            self.not_linted += 1;
        }
        self.failures.extend(o.error);
        if !o.diff.is_empty() {
            self.changed_files += 1;
        }
        self.diffs.push_str(&o.diff);
        self.fixed += o.fixed;
        if let Some(r) = o.result {
            self.failing |= r.diagnostics.iter().any(|d| d.severity >= o.fail_level);
            self.results.push(r);
        }
    }
}

/// The report (or the diff, or the statistics), and the exit code: 2 on
/// any error, else 1 on findings at the fail level (with `--diff`, on a
/// change), else 0.
fn report(args: &LintArgs, tally: Tally) -> Exit {
    let exit = if tally.failures.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    };
    let errors = show_errors(tally.failures);
    let mut out = report_stream(args);
    if args.diff {
        let _ = out.write_all(tally.diffs.as_bytes());
        if !args.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "{} file{} would be changed.",
                tally.changed_files,
                if tally.changed_files == 1 { "" } else { "s" }
            );
        }
        let _ = out.flush();
        return if exit == Exit::Error {
            Exit::Error
        } else if tally.diffs.is_empty() {
            Exit::Ok
        } else {
            Exit::Findings
        };
    }
    if args.statistics {
        print_statistics(&tally.results, &mut out);
    } else {
        let metas: Vec<&'static rules::RuleMeta> = rules::metas().collect();
        let opts = RenderOptions {
            color: color(args),
            show_source: true,
            quiet: args.quiet,
            not_linted: tally.not_linted,
        };
        let report = render::Report {
            results: &tally.results,
            errors: &errors,
            rules: &metas,
            opts: &opts,
        };
        if let Err(e) = render::render(args.output_format, &report, &mut *out) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                super::error(format!("cannot write the report: {e}"), None);
                return Exit::Error;
            }
        }
    }
    if args.fix && tally.fixed > 0 && !args.quiet {
        let _ = writeln!(
            std::io::stderr(),
            "Fixed {} problem{}.",
            tally.fixed,
            if tally.fixed == 1 { "" } else { "s" }
        );
    }
    let _ = out.flush();
    if exit == Exit::Error {
        Exit::Error
    } else if tally.failing {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// Whether standard input is fixed: stdout then holds the fixed file, and
/// the report goes to stderr.
fn stdin_fix(args: &LintArgs) -> bool {
    args.fix && !args.diff && args.paths.iter().any(|p| p.as_os_str() == "-")
}

/// Where the report goes: stdout, or stderr when stdout holds a fixed file.
fn report_stream(args: &LintArgs) -> Box<dyn Write> {
    if stdin_fix(args) {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    }
}

/// Colour is decided by the stream the report goes to; only the human
/// formats have it.
fn color(args: &LintArgs) -> bool {
    let report_is_terminal = if stdin_fix(args) {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    } else {
        super::stdout_is_terminal()
    };
    args.color.enabled(report_is_terminal)
        && matches!(
            args.output_format,
            OutputFormat::Full | OutputFormat::Concise
        )
}

/// Print the errors on standard error, as every rdock error is, each once
/// (a bad configuration file shared by many Dockerfiles is one error), and
/// return them for the report, which carries them too.
fn show_errors(failures: Vec<Failure>) -> Vec<RunError> {
    let mut shown = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for f in failures {
        let text = super::render_error(f.shown.as_ref(), super::stderr_color());
        if shown.insert(text.clone()) {
            eprint!("{text}");
            errors.push(f.entry);
        }
    }
    errors
}

/// A report that holds errors alone (nothing could be linted), for the
/// formats other programs read; `full` shows nothing more than standard
/// error does, and `concise` has no summary line (nothing was linted).
fn report_errors(args: &LintArgs, failures: Vec<Failure>) {
    let errors = show_errors(failures);
    if args.diff || args.statistics || args.output_format == OutputFormat::Full {
        return;
    }
    let opts = RenderOptions {
        color: color(args),
        show_source: true,
        quiet: true,
        not_linted: 0,
    };
    let metas: Vec<&'static rules::RuleMeta> = rules::metas().collect();
    let mut out = report_stream(args);
    let report = render::Report {
        results: &[],
        errors: &errors,
        rules: &metas,
        opts: &opts,
    };
    let _ = render::render(args.output_format, &report, &mut *out);
    let _ = out.flush();
}

/// The session every file of this run is linted in: the overrides from
/// the flags and the configuration choice, or why there is none.
fn session(args: &LintArgs) -> Result<Session, Failure> {
    let overrides = overrides(args).map_err(|(msg, help)| Failure::new(None, plain(msg, &help)))?;
    let choice = if args.no_config {
        ConfigChoice::Ignore
    } else if let Some(path) = &args.config {
        let c = crate::workspace::config_files::load(path, &settings::VOCABULARY)
            .map_err(Failure::config)?;
        ConfigChoice::Fixed(Arc::new(c))
    } else {
        ConfigChoice::Discover
    };
    Ok(Session::new(overrides, choice))
}

/// The command line's overrides, checked; an error and its help otherwise.
fn overrides(args: &LintArgs) -> Result<Overrides, (String, String)> {
    let build_args = settings::parse_build_args(&args.build_arg, |k| std::env::var(k).ok())
        .map_err(|e| (e, "write it as --build-arg KEY=VALUE".to_string()))?;
    let o = Overrides {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        targets: args.target.clone(),
        build_args,
        allowed_registries: args.allowed_registry.clone(),
        fail_level: args.fail_level,
    };
    o.validate().map_err(super::invalid_override)?;
    Ok(o)
}

/// Read a file or stdin as UTF-8, with the settings that apply to it; or
/// why not, with standard input's bytes when they were read.
fn read_input(
    input: &Input,
    args: &LintArgs,
    session: &Session,
) -> Result<(String, String, Arc<Settings>), Box<NotRead>> {
    let (name, bytes, settings_path) = match input {
        Input::Stdin => {
            let name = args
                .stdin_filename
                .as_ref()
                .map(|p| display(p))
                .unwrap_or_else(|| "-".into());
            let bytes = input::read_stream(std::io::stdin().lock())
                .map_err(|e| not_read(read_error(&name, "standard input", &e), None))?;
            let at = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("Dockerfile"));
            (name, bytes, at)
        }
        Input::File(path, _) => {
            let name = display(path);
            let bytes = input::read_file(path)
                .map_err(|e| not_read(read_error(&name, &format!("`{name}`"), &e), None))?;
            (name, bytes, path.clone())
        }
    };
    let stdin_bytes = |bytes: &[u8]| matches!(input, Input::Stdin).then(|| bytes.to_vec());
    let settings = match session.settings_for(&settings_path) {
        Ok(s) => s,
        Err(e) => return Err(not_read(Failure::config(e), stdin_bytes(&bytes))),
    };
    // (Standard input's bytes are kept to be given back if they are not UTF-8.)
    let kept = stdin_bytes(&bytes);
    let text = input::utf8(bytes)
        .map_err(|e| not_read(read_error(&name, &format!("`{name}`"), &e), kept))?;
    Ok((name, text, settings))
}

fn read_error(name: &str, what: &str, e: &ReadError) -> Failure {
    Failure::new(
        Some(name),
        Box::new(CliError::new(format!("cannot read {what}: {e}"), e.help())),
    )
}

fn plain(message: impl Into<String>, help: &str) -> Problem {
    Box::new(CliError::new(message, help))
}

impl Outcome {
    fn error(message: Failure) -> Outcome {
        Outcome {
            result: None,
            fail_level: Severity::Error,
            diff: String::new(),
            stdin_fixed: None,
            fixed: 0,
            error: Some(message),
        }
    }
}

fn lint_one(
    args: &LintArgs,
    input: &Input,
    name: String,
    text: String,
    settings: &Settings,
) -> Outcome {
    let fail_level = settings.fail_level;
    if !(args.fix || args.diff) {
        let diagnostics = check(&text, settings);
        return Outcome {
            result: Some(FileResult::new(name, text, diagnostics)),
            fail_level,
            diff: String::new(),
            stdin_fixed: None,
            fixed: 0,
            error: None,
        };
    }
    if args.fix && !args.diff && super::write::interrupted() {
        // One message for all of them (identical errors are shown once).
        return Outcome::error(Failure::new(
            None,
            plain(
                "interrupted (Ctrl-C): the files not fixed yet were left as they are",
                "run the command again to fix them",
            ),
        ));
    }
    let fixed = match check_and_fix(&text, settings, args.unsafe_fixes) {
        Ok(f) => f,
        Err(e) => {
            let mut o = Outcome::error(Failure::new(
                Some(&name),
                plain(
                    format!("`{name}`: {e}"),
                    "run `rdock lint` without --fix to see the findings",
                ),
            ));
            if matches!(input, Input::Stdin) && args.fix && !args.diff {
                // An editor piping the buffer through must get it back unchanged.
                o.stdin_fixed = Some(text.into_bytes());
            }
            return o;
        }
    };
    let mut outcome = Outcome {
        result: None,
        fail_level,
        diff: String::new(),
        stdin_fixed: None,
        fixed: fixed.applied,
        error: None,
    };
    if args.diff {
        outcome.diff = unified(&name, &text, &fixed.text);
        outcome.fixed = 0;
        outcome.result = Some(FileResult::new(name, text, Vec::new()));
        return outcome;
    }
    match input {
        Input::Stdin => outcome.stdin_fixed = Some(fixed.text.clone().into_bytes()),
        Input::File(path, outside) => {
            if fixed.text != text {
                let written = match outside {
                    // Found by a walk, through a link to outside the folders given.
                    Some(real) => Err((
                        format!(
                            "`{name}` was not fixed: it is a link to `{}`, outside the folders given",
                            real.display()
                        ),
                        format!("name it on the command line to fix it: `rdock lint --fix {name}`"),
                    )),
                    None => super::write::write_fixed(path, &text, &fixed.text)
                        .map_err(|e| (format!("`{name}` was not fixed: {e}"), e.help().to_owned())),
                };
                if let Err((message, help)) = written {
                    // The findings stay in the report: nothing was fixed.
                    let mut o = Outcome::error(Failure::new(Some(&name), plain(message, &help)));
                    let found = check(&text, settings);
                    o.result = Some(FileResult::new(name, text, found));
                    o.fail_level = fail_level;
                    return o;
                }
            }
        }
    }
    outcome.result = Some(FileResult::new(name, fixed.text, fixed.remaining));
    outcome
}

fn print_statistics(results: &[FileResult], out: &mut dyn Write) {
    let mut counts: BTreeMap<&'static str, (usize, bool)> = BTreeMap::new();
    for d in results.iter().flat_map(|r| &r.diagnostics) {
        let e = counts.entry(d.code).or_default();
        e.0 += 1;
        e.1 |= d
            .fix
            .as_ref()
            .is_some_and(|f| f.applicability == crate::fix::Applicability::Safe);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    for (code, (n, fixable)) in rows {
        let slug = rules::lookup(code).map_or("", |m| m.slug);
        let _ = writeln!(
            out,
            "{n:>5}\t{code}\t{}{slug}",
            if fixable { "[*] " } else { "    " }
        );
    }
}
