//! `rdock lint`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use rayon::prelude::*;

use super::files::{self, display};
use super::{ColorArg, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::config::{Config, ConfigError, Discovery};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::diff::unified;
use crate::render::{self, OutputFormat, RenderOptions};
use crate::rules;
use crate::settings::{Overrides, Settings};
use crate::{check, check_and_fix, FileResult};

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
    error: Option<String>,
}

pub fn run(args: LintArgs) -> u8 {
    let overrides = match overrides(&args) {
        Ok(o) => o,
        Err(msg) => {
            super::error(
                msg,
                Some("`rdock rules` lists the rule ids and slugs".into()),
            );
            return EXIT_ERROR;
        }
    };
    // The configuration: one given file, none, or discovered per file.
    let fixed_config: Option<Arc<Config>> = match &args.config {
        Some(path) => match Config::load(path, &rules::is_known_selector) {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => {
                super::print_error(
                    &e,
                    super::ColorArg::Auto
                        .enabled(std::io::IsTerminal::is_terminal(&std::io::stderr())),
                );
                return EXIT_ERROR;
            }
        },
        None => None,
    };
    let discovery = Discovery::new(rules::is_known_selector);
    let config_for = |path: &Path| -> Result<Option<Arc<Config>>, ConfigError> {
        if args.no_config {
            Ok(None)
        } else if fixed_config.is_some() {
            Ok(fixed_config.clone())
        } else {
            discovery.for_file(path)
        }
    };

    let mut inputs = Vec::new();
    let mut exit = EXIT_OK;
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
            exit = EXIT_ERROR;
        }
        inputs.extend(found.files.into_iter().map(Input::File));
    }

    let settings_cache = std::sync::Mutex::new(Vec::<(Option<Arc<Config>>, Arc<Settings>)>::new());
    let settings_for = |config: Option<Arc<Config>>| -> Arc<Settings> {
        let mut cache = settings_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, s)) = cache.iter().find(|(c, _)| match (c, &config) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }) {
            return s.clone();
        }
        let s = Arc::new(Settings::resolve(config.as_deref(), &overrides));
        cache.push((config, s.clone()));
        s
    };

    // Builds found in each repository, walked once per repository.
    let discoveries =
        std::sync::Mutex::new(Vec::<(PathBuf, Arc<crate::workspace::Discovery>)>::new());
    let discovery_for = |path: &Path| -> Arc<crate::workspace::Discovery> {
        let root = crate::workspace::repo_root(path);
        let mut cache = discoveries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, d)) = cache.iter().find(|(r, _)| *r == root) {
            return d.clone();
        }
        let d = Arc::new(crate::workspace::discover(&root));
        cache.push((root, d.clone()));
        d
    };

    if args.fix && !args.diff {
        // Ctrl-C finishes the file being written and starts no other.
        super::write::catch_interrupts();
    }
    let outcomes: Vec<Outcome> = inputs
        .par_iter()
        .map(|input| {
            let (name, text, config) = match read_input(input, &args, &config_for) {
                Ok(x) => x,
                Err(e) => return Outcome::error(e),
            };
            let settings = settings_for(config);
            match input {
                Input::File(path) => {
                    let discovery = discovery_for(path);
                    match crate::workspace::settings_for_file(&settings, path, &discovery) {
                        Some(per_file) => lint_one(&args, input, name, text, &per_file),
                        None => lint_one(&args, input, name, text, &settings),
                    }
                }
                Input::Stdin => lint_one(&args, input, name, text, &settings),
            }
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
        if let Some(e) = &o.error {
            if shown_errors.insert(e.clone()) {
                eprint!("{e}");
            }
            exit = EXIT_ERROR;
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
        return if exit == EXIT_ERROR {
            EXIT_ERROR
        } else if diffs.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
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
        };
        if let Err(e) = render::render(format, &results, &metas, &opts, &mut *out) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                super::error(format!("cannot write the report: {e}"), None);
                return EXIT_ERROR;
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
    if exit == EXIT_ERROR {
        EXIT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn overrides(args: &LintArgs) -> Result<Overrides, String> {
    let check = |list: &[String], flag: &str| -> Result<(), String> {
        match list.iter().find(|s| !rules::is_known_selector(s)) {
            Some(bad) => Err(format!("unknown rule selector `{bad}` in {flag}")),
            None => Ok(()),
        }
    };
    if let Some(sel) = &args.select {
        check(sel, "--select")?;
    }
    check(&args.extend_select, "--extend-select")?;
    check(&args.ignore, "--ignore")?;
    for r in &args.allowed_registry {
        if let Some(why) = crate::config::invalid_registry(r) {
            return Err(format!(
                "invalid registry `{r}` in --allowed-registry: {why}"
            ));
        }
    }
    let mut build_args = BTreeMap::new();
    for a in &args.build_arg {
        match a.split_once('=') {
            Some((k, v)) => {
                build_args.insert(k.to_string(), v.to_string());
            }
            None => {
                // Like docker: `--build-arg KEY` takes the value from the environment.
                if let Ok(v) = std::env::var(a) {
                    build_args.insert(a.clone(), v);
                }
            }
        }
    }
    Ok(Overrides {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        targets: args.target.clone(),
        build_args,
        allowed_registries: args.allowed_registry.clone(),
        fail_level: args.fail_level,
    })
}

type ConfigFor<'a> = dyn Fn(&Path) -> Result<Option<Arc<Config>>, ConfigError> + Sync + 'a;

/// Read a file or stdin as UTF-8, with the configuration that applies to it.
fn read_input(
    input: &Input,
    args: &LintArgs,
    config_for: &ConfigFor<'_>,
) -> Result<(String, String, Option<Arc<Config>>), String> {
    let (name, bytes, config_path) = match input {
        Input::Stdin => {
            let buf = read_capped(std::io::stdin().lock(), "standard input")?;
            let name = args
                .stdin_filename
                .as_ref()
                .map(|p| display(p))
                .unwrap_or_else(|| "-".into());
            let cfg = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("Dockerfile"));
            (name, buf, cfg)
        }
        Input::File(path) => {
            let bytes = read_file(path)?;
            (display(path), bytes, path.clone())
        }
    };
    let config = config_for(&config_path).map_err(|e| render_config_error(&e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!(
            "error: `{name}` is not valid UTF-8 (first bad byte at offset {at})\n  help: save the file as UTF-8; Dockerfiles are read as UTF-8 text\n"
        )
    })?;
    Ok((name, text, config))
}

/// The largest file rdock lints: far above any real Dockerfile, low enough
/// that a wrong path (a disk image, `/dev/zero` behind a link) cannot
/// exhaust memory. See docs/limits.md.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Read a regular file, refusing pipes, sockets and devices (reading a named
/// pipe nobody writes to would wait forever) and files over [`MAX_FILE_BYTES`].
fn read_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let shown = display(path);
    let cannot = |e: std::io::Error| {
        format!("error: cannot read `{shown}`: {e}\n  help: check the path and its permissions\n")
    };
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a named pipe, socket or device)"
        };
        return Err(format!(
            "error: cannot read `{shown}`: it is {what}\n  help: pass Dockerfiles or directories; to lint a stream, pipe it to `rdock lint -`\n"
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(&format!("`{shown}`"), &meta.len().to_string()));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    read_capped(file, &format!("`{shown}`"))
}

/// Read at most [`MAX_FILE_BYTES`], failing if there is more.
fn read_capped(reader: impl Read, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    reader
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("error: cannot read {what}: {e}\n"))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(what, &format!("over {MAX_FILE_BYTES}")));
    }
    Ok(buf)
}

fn too_big(what: &str, size: &str) -> String {
    format!(
        "error: {what} is too large to lint ({size} bytes; the limit is {} MiB)\n  help: rdock lints Dockerfiles; check that this is the file you meant\n",
        MAX_FILE_BYTES >> 20
    )
}

fn render_config_error(e: &ConfigError) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_links(false);
    let mut s = String::new();
    if handler.render_report(&mut s, e).is_err() {
        s = format!("error: {e}\n");
    }
    s
}

impl Outcome {
    fn error(message: String) -> Outcome {
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
        return Outcome::error(
            "error: interrupted (Ctrl-C): the files not fixed yet were left as they are\n".into(),
        );
    }
    let fixed = match check_and_fix(&text, settings, args.unsafe_fixes) {
        Ok(f) => f,
        Err(e) => {
            let mut o = Outcome::error(format!("error: `{name}`: {e}\n"));
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
                    let mut o = Outcome::error(format!("error: `{name}` was not fixed: {e}\n"));
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

#[allow(dead_code)]
fn _unused(_: &Diagnostic) {}
