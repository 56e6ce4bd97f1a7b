//! The command line: clap arguments and one file per subcommand. The only
//! place (with `lsp`) that prints and decides exit codes.

mod build;
mod explain;
pub mod files;
mod lint;
mod rule;
mod targets;
mod trace;
mod verify;
mod write;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;
use crate::render::OutputFormat;

/// How a command ends: the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing found.
    Ok = 0,
    /// 1: findings at or above the fail level (or a mismatch, a diff).
    Findings = 1,
    /// 2: an error (bad input, a bad flag, an engine that failed).
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "rdock",
    version,
    about = "A fast Dockerfile linter: exact model, stage graph, unreachable stages, fixes"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Dockerfiles (files, directories, or `-` for stdin).
    Lint(lint::LintArgs),
    /// Build a Dockerfile and its rewrite on BuildKit, check that their outputs match, and time them.
    Verify(verify::VerifyArgs),
    /// Show the documentation of a rule.
    Rule {
        /// Rule id (`RD101`) or slug (`unreachable-stage`).
        rule: String,
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        output_format: DocFormat,
    },
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        output_format: DocFormat,
    },
    /// Run the language server on stdin/stdout (for editors).
    Lsp {
        /// Talk over stdin/stdout (the default and only transport; editors'
        /// clients such as vscode-languageclient pass it).
        #[arg(long)]
        stdio: bool,
    },
    /// Show each stage's steps, what they read and write, and why they depend on each other.
    ExplainDeps(explain::ExplainArgs),
    /// Build a Dockerfile with rdock's embedded engine and show what each RUN step wrote and deleted, and where rdock's model of the step says less.
    Trace(trace::TraceArgs),
    /// List the builds the repository runs (bake, compose, workflows, Makefiles, scripts) and the Dockerfile stage each builds.
    Targets(targets::TargetsArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DocFormat {
    Text,
    Json,
}

// The output formats and severities are the library's own enums; clap reads
// them through these impls, so a new variant needs no second list here.
impl ValueEnum for OutputFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &OutputFormat::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

impl ValueEnum for Severity {
    fn value_variants<'a>() -> &'a [Self] {
        &Severity::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Colour on a terminal unless `NO_COLOR` is set, or as forced.
    pub fn enabled(self, stream_is_terminal: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// Run the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Ok
            });
        }
    };
    let code = match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Rule {
            rule,
            output_format,
        } => rule::rule(&rule, output_format),
        Command::Rules { output_format } => rule::rules(output_format),
        Command::Lsp { stdio: _ } => match crate::lsp::run() {
            Ok(true) => Exit::Ok,
            // `exit` without `shutdown` (or the input ended): 1, as LSP says.
            Ok(false) => Exit::Findings,
            Err(e) => {
                error(e, None);
                Exit::Error
            }
        },
        Command::ExplainDeps(args) => explain::run(args),
        Command::Targets(args) => targets::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "rdock", &mut std::io::stdout());
            Exit::Ok
        }
    };
    ExitCode::from(code)
}

pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Print an error the way every rdock error looks: through miette.
pub(crate) fn print_error(err: &dyn miette::Diagnostic, color: bool) {
    eprint!("{}", render_error(err, color));
}

/// An error as miette shows it. Lines are not wrapped: a path or a flag
/// broken across lines could not be copied.
pub(crate) fn render_error(err: &dyn miette::Diagnostic, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_wrap_lines(false);
    let mut out = String::new();
    if handler.render_report(&mut out, err).is_err() {
        out = format!("error: {err}\n");
    }
    out
}

/// Whether errors on standard error get colour.
pub(crate) fn stderr_color() -> bool {
    ColorArg::Auto.enabled(std::io::stderr().is_terminal())
}

/// A plain error: what, and how to fix it.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub(crate) struct CliError {
    pub message: String,
    #[help]
    pub help: Option<String>,
}

impl CliError {
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

/// A bad `--select`/`--extend-select`/`--ignore`/`--allowed-registry`
/// value, as a message and its help.
pub(crate) fn invalid_override(e: crate::settings::InvalidOverride) -> (String, String) {
    use crate::settings::OverrideField as F;
    let (flag, what) = match e.field {
        F::Select => ("--select", "unknown rule selector"),
        F::ExtendSelect => ("--extend-select", "unknown rule selector"),
        F::Ignore => ("--ignore", "unknown rule selector"),
        F::AllowedRegistries => ("--allowed-registry", "invalid registry"),
        F::Targets => ("--target", "empty stage name"),
    };
    let help = match e.field {
        F::AllowedRegistries => "give a registry host name, e.g. `ghcr.io` or `*.example.com`",
        F::Targets => {
            "name a stage, e.g. `--target release`, or leave the flag out for the last stage"
        }
        _ => "`rdock rules` lists the rule ids and slugs",
    };
    let why = match e.field {
        F::AllowedRegistries => format!(": {}", e.why),
        _ => String::new(),
    };
    (format!("{what} `{}` in {flag}{why}", e.value), help.into())
}

pub(crate) fn error(message: impl Into<String>, help: Option<String>) {
    let color = ColorArg::Auto.enabled(std::io::stderr().is_terminal());
    print_error(
        &CliError {
            message: message.into(),
            help,
        },
        color,
    );
}

/// An error with how to fix it, printed; the exit code of a command it stops.
pub(crate) fn fail(message: impl Into<String>, help: &str) -> Exit {
    error(message, Some(help.into()));
    Exit::Error
}

/// For the commands that build (`verify`, `trace`): the engine, or the
/// error printed.
pub(crate) fn engine_or_exit(
    engine: Result<Box<dyn crate::exec::Executor>, crate::exec::ExecError>,
) -> Result<Box<dyn crate::exec::Executor>, Exit> {
    engine.map_err(|e| {
        print_error(&e, ColorArg::Auto.enabled(std::io::stderr().is_terminal()));
        Exit::Error
    })
}

/// A temporary folder for a command's builds, or the error printed.
pub(crate) fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, Exit> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| {
            fail(
                format!("cannot create a temporary folder: {e}"),
                "check that TMPDIR is writable",
            )
        })
}

/// The Dockerfile `verify`, `trace` and `explain-deps` read: on an error,
/// what and where printed with how to fix it, and `Exit::Error`.
pub(crate) fn read_dockerfile(path: &std::path::Path) -> Result<String, Exit> {
    crate::input::read_text(path)
        .map_err(|e| fail(format!("cannot read `{}`: {e}", path.display()), e.help()))
}

/// For the commands that read one Dockerfile (`verify` and `trace` through
/// `BuildFlags::read`, `explain-deps`): its
/// build arguments parsed (`KEY` alone takes the environment's value) and
/// the settings `rdock lint --target T --build-arg ...` uses for it, so
/// that what they build is what the lint saw. A bad flag or configuration
/// is printed, and `Err` holds the exit code.
pub(crate) fn build_settings(
    file: &std::path::Path,
    target: Option<&str>,
    build_arg: &[String],
    no_config: bool,
) -> Result<
    (
        std::collections::BTreeMap<String, String>,
        std::sync::Arc<crate::settings::Settings>,
    ),
    Exit,
> {
    use crate::session::{ConfigChoice, Session};
    use crate::settings::{self, Overrides};
    let build_args = settings::parse_build_args(build_arg, |k| std::env::var(k).ok())
        .map_err(|e| fail(e, "write it as --build-arg KEY=VALUE"))?;
    let overrides = Overrides {
        targets: target.iter().map(|t| t.to_string()).collect(),
        build_args: build_args.clone(),
        ..Overrides::default()
    };
    if let Err(e) = overrides.validate() {
        let (message, help) = invalid_override(e);
        return Err(fail(message, &help));
    }
    let session = Session::new(overrides, ConfigChoice::unless_ignored(no_config));
    let settings = session.settings_for(file).map_err(|e| {
        print_error(&e, ColorArg::Auto.enabled(std::io::stderr().is_terminal()));
        Exit::Error
    })?;
    Ok((build_args, settings))
}
