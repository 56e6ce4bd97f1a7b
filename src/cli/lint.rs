//! `rdock lint`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use rayon::prelude::*;

use super::files::{self, display};
use super::{CliError, ColorArg, Exit};
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::fix::diff::unified;
use crate::input::{self, ReadError};
use crate::render::FileResult;
use crate::render::{self, OutputFormat, RenderOptions};
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
    File(PathBuf),
    Stdin,
}

/// What happened to one file.
struct Outcome {
    result: Option<FileResult>,
    fail_level: Severity,
    /// The diff to print (with --diff).
    diff: String,
    /// Fixed text for standard input with --fix.
    stdin_fixed: Option<String>,
    fixed: usize,
    error: Option<Problem>,
}

/// An error about one input, shown after the report.
type Problem = Box<dyn miette::Diagnostic + Send + Sync>;

pub fn run(args: LintArgs) -> Exit {
    let Some(session) = session(&args) else {
        return Exit::Error;
    };
    let mut inputs = Vec::new();
    let mut exit = Exit::Ok;
    // Inputs named but not linted (their errors are printed).
    let mut not_linted = 0;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin, paths): (Vec<_>, Vec<_>) = paths.into_iter().partition(|p| p.as_os_str() == "-");
    if !stdin.is_empty() {
        inputs.push(Input::Stdin);
    }
    if !paths.is_empty() {
        let found = files::collect(&paths);
        for (path, why) in &found.errors {
            super::error(
                format!("cannot read `{}`: {why}", display(path)),
                Some("check the path and its permissions".into()),
            );
            exit = Exit::Error;
            not_linted += 1;
        }
        inputs.extend(found.files.into_iter().map(Input::File));
    }

    if args.fix && !args.diff {
        // Ctrl-C finishes the file being written and starts no other.
        super::write::catch_interrupts();
    }
    let outcomes: Vec<Outcome> = inputs
        .par_iter()
        .map(|input| match read_input(input, &args, &session) {
            Ok((name, text, settings)) => lint_one(&args, input, name, text, &settings),
            Err(e) => Outcome::error(e),
        })
        .collect();

    let mut results = Vec::new();
    let mut diffs = String::new();
    let mut changed_files = 0;
    let mut fixed_total = 0;
    let mut failing = false;
    // The same error (a bad configuration file shared by many Dockerfiles) is shown once.
    let mut shown_errors = std::collections::HashSet::new();
    for o in outcomes {
        if o.error.is_some() && o.result.is_none() {
            not_linted += 1;
        }
        if let Some(e) = &o.error {
            let shown = super::render_error(e.as_ref(), super::stderr_color());
            if shown_errors.insert(shown.clone()) {
                eprint!("{shown}");
            }
            exit = Exit::Error;
        }
        if !o.diff.is_empty() {
            changed_files += 1;
        }
        diffs.push_str(&o.diff);
        fixed_total += o.fixed;
        if let Some(text) = &o.stdin_fixed {
            // Not `print!`: a closed pipe must not panic.
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        if let Some(r) = o.result {
            if r.diagnostics.iter().any(|d| d.severity >= o.fail_level) {
                failing = true;
            }
            results.push(r);
        }
    }

    let format = args.output_format;
    // With --fix on stdin, stdout holds the fixed file: findings go to stderr.
    let to_stderr = args.fix && !args.diff && inputs.iter().any(|i| matches!(i, Input::Stdin));
    // Colour is decided by the stream the report goes to; only the human formats have it.
    let report_is_terminal = if to_stderr {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    } else {
        super::stdout_is_terminal()
    };
    let color = args.color.enabled(report_is_terminal)
        && matches!(format, OutputFormat::Full | OutputFormat::Concise);
    let mut out: Box<dyn Write> = if to_stderr {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    };
    if args.diff {
        let _ = out.write_all(diffs.as_bytes());
        if !args.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "{changed_files} file{} would be changed.",
                if changed_files == 1 { "" } else { "s" }
            );
        }
        let _ = out.flush();
        return if exit == Exit::Error {
            Exit::Error
        } else if diffs.is_empty() {
            Exit::Ok
        } else {
            Exit::Findings
        };
    }
    if args.statistics {
        print_statistics(&results, &mut out);
    } else {
        let metas: Vec<&'static rules::RuleMeta> = rules::metas().collect();
        let opts = RenderOptions {
            color,
            show_source: true,
            quiet: args.quiet,
            not_linted,
        };
        if let Err(e) = render::render(format, &results, &metas, &opts, &mut *out) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                super::error(format!("cannot write the report: {e}"), None);
                return Exit::Error;
            }
        }
    }
    if args.fix && fixed_total > 0 && !args.quiet {
        let _ = writeln!(
            std::io::stderr(),
            "Fixed {fixed_total} problem{}.",
            if fixed_total == 1 { "" } else { "s" }
        );
    }
    let _ = out.flush();
    if exit == Exit::Error {
        Exit::Error
    } else if failing {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// The session every file of this run is linted in: the overrides from
/// the flags and the configuration choice. `None` after printing why not.
fn session(args: &LintArgs) -> Option<Session> {
    let overrides = match overrides(args) {
        Ok(o) => o,
        Err((msg, help)) => {
            super::error(msg, Some(help));
            return None;
        }
    };
    let choice = if args.no_config {
        ConfigChoice::Ignore
    } else if let Some(path) = &args.config {
        match Config::load(path, &rules::is_known_selector) {
            Ok(c) => ConfigChoice::Fixed(Arc::new(c)),
            Err(e) => {
                super::print_error(
                    &e,
                    super::ColorArg::Auto
                        .enabled(std::io::IsTerminal::is_terminal(&std::io::stderr())),
                );
                return None;
            }
        }
    } else {
        ConfigChoice::Discover
    };
    Some(Session::new(overrides, choice))
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

/// Read a file or stdin as UTF-8, with the settings that apply to it.
fn read_input(
    input: &Input,
    args: &LintArgs,
    session: &Session,
) -> Result<(String, String, Arc<Settings>), Problem> {
    let (name, bytes, settings_path) = match input {
        Input::Stdin => {
            let name = args
                .stdin_filename
                .as_ref()
                .map(|p| display(p))
                .unwrap_or_else(|| "-".into());
            let bytes = input::read_stream(std::io::stdin().lock())
                .map_err(|e| read_error("standard input", &e))?;
            let at = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("Dockerfile"));
            (name, bytes, at)
        }
        Input::File(path) => {
            let name = display(path);
            let bytes = input::read_file(path).map_err(|e| read_error(&format!("`{name}`"), &e))?;
            (name, bytes, path.clone())
        }
    };
    let settings = session
        .settings_for(&settings_path)
        .map_err(|e| Box::new(e) as Problem)?;
    let text = input::utf8(bytes).map_err(|e| read_error(&format!("`{name}`"), &e))?;
    Ok((name, text, settings))
}

fn read_error(what: &str, e: &ReadError) -> Problem {
    Box::new(CliError::new(format!("cannot read {what}: {e}"), e.help()))
}

fn plain(message: impl Into<String>, help: &str) -> Problem {
    Box::new(CliError::new(message, help))
}

impl Outcome {
    fn error(message: impl Into<Problem>) -> Outcome {
        Outcome {
            result: None,
            fail_level: Severity::Error,
            diff: String::new(),
            stdin_fixed: None,
            fixed: 0,
            error: Some(message.into()),
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
        return Outcome::error(plain(
            "interrupted (Ctrl-C): the files not fixed yet were left as they are",
            "run the command again to fix them",
        ));
    }
    let fixed = match check_and_fix(&text, settings, args.unsafe_fixes) {
        Ok(f) => f,
        Err(e) => {
            let mut o = Outcome::error(plain(
                format!("`{name}`: {e}"),
                "run `rdock lint` without --fix to see the findings",
            ));
            if matches!(input, Input::Stdin) && args.fix && !args.diff {
                // An editor piping the buffer through must get it back unchanged.
                o.stdin_fixed = Some(text);
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
        Input::Stdin => outcome.stdin_fixed = Some(fixed.text.clone()),
        Input::File(path) => {
            if fixed.text != text {
                if let Err(e) = super::write::write_fixed(path, &text, &fixed.text) {
                    // The findings stay in the report: nothing was fixed.
                    let mut o =
                        Outcome::error(plain(format!("`{name}` was not fixed: {e}"), e.help()));
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
