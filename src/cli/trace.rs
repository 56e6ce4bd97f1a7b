//! `rdock trace`: build a Dockerfile with the embedded engine and show, for
//! each RUN step, what it wrote and deleted (read from the layer it left),
//! its time, and where rdock's effect model of the step
//! (`rules/commands/*.toml`, the coreutils models, `[[command]]` in
//! `.rdock.toml`) says less than what happened.
//!
//! Reads are not traced: a step's reads would need fanotify or ptrace on
//! the sandbox, which the embedded engine does not do yet.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::json;

use super::Exit;
use crate::exec::{BuildRequest, StepTrace};
use crate::model::Model;
use crate::parallel::effects::{run_effects, Effects};
use crate::parallel::paths::{is_within, PathRef};

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The Dockerfile.
    pub dockerfile: PathBuf,
    /// The build context. Default: the Dockerfile's folder.
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// The stage to build (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// A build argument (`KEY=VALUE`, or `KEY` to take it from the environment).
    #[arg(long, value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// The network of RUN steps (`none`, `host` or `default`).
    #[arg(long, default_value = "none")]
    pub network: String,
    /// A base image: `NAME=PATH`, where PATH is a root filesystem folder, a
    /// `docker save` archive or an OCI image layout (as for `rdock verify
    /// --engine embedded`).
    #[arg(long, value_name = "NAME=PATH")]
    pub image: Vec<String>,
    /// How many stages are built at once (default: every stage that is ready).
    #[arg(long)]
    pub jobs: Option<u32>,
    /// Ignore `.rdock.toml` (its `[[command]]` models and build args).
    #[arg(long)]
    pub no_config: bool,
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    pub output_format: TraceFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TraceFormat {
    Text,
    Json,
}

/// One traced step against rdock's model of it.
struct Checked {
    trace: StepTrace,
    /// Why rdock has no model of the step (then nothing is compared).
    opaque: Option<String>,
    /// What the step wrote and deleted that the model does not say it may.
    unmodelled_writes: Vec<String>,
    unmodelled_deletes: Vec<String>,
}

/// Exit 0 when the model of every traced step covers what it did, 1 when
/// some model says less than the trace, 2 when the build could not be made.
pub fn run(args: TraceArgs) -> Exit {
    let fail = |message: String, help: &str| {
        super::error(message, Some(help.into()));
        Exit::Error
    };
    let text = match crate::input::read_text(&args.dockerfile) {
        Ok(t) => t,
        Err(e) => {
            return fail(
                format!("cannot read `{}`: {e}", args.dockerfile.display()),
                e.help(),
            )
        }
    };
    let (build_args, settings) = match super::build_settings(
        &args.dockerfile,
        args.target.as_deref(),
        &args.build_arg,
        args.no_config,
    ) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let engine = match super::verify::embedded_engine(&args.image, args.jobs, &[]) {
        Ok(e) => e,
        Err(e) => {
            super::print_error(&e, false);
            return Exit::Error;
        }
    };
    let work = match tempfile::Builder::new().prefix("rdock-trace-").tempdir() {
        Ok(w) => w,
        Err(e) => {
            return fail(
                format!("cannot create a temporary folder: {e}"),
                "check that TMPDIR is writable",
            )
        }
    };
    let context = args.context.clone().unwrap_or_else(|| {
        args.dockerfile
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    });
    let req = BuildRequest {
        dockerfile: args.dockerfile.clone(),
        context,
        target: args.target.clone(),
        build_args: build_args.into_iter().collect(),
        network: args.network.clone(),
        no_cache: true,
        source_date_epoch: 0,
        rootfs_tar: work.path().join("rootfs.tar"),
        tag: String::new(),
        contexts: Vec::new(),
        trace: true,
    };
    let output = match engine.build(&req, &mut |_| {}) {
        Ok(o) => o,
        Err(e) => {
            super::print_error(&e, false);
            return Exit::Error;
        }
    };
    let model = Model::new(&text, &settings.build.inputs);
    let mut traces = output.traces;
    traces.sort_by_key(|t| t.instruction);
    let checked: Vec<Checked> = traces
        .into_iter()
        .map(|t| {
            let fx = t
                .instruction
                .map(|ii| run_effects(&model, ii, &settings.build.commands));
            check(t, fx)
        })
        .collect();
    let out = match args.output_format {
        TraceFormat::Text => text_report(&checked),
        TraceFormat::Json => json_report(&checked),
    };
    print!("{out}");
    if checked
        .iter()
        .any(|c| !c.unmodelled_writes.is_empty() || !c.unmodelled_deletes.is_empty())
    {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// Compare what the step did with what rdock's model says it may do.
fn check(trace: StepTrace, fx: Option<Effects>) -> Checked {
    let Some(fx) = fx else {
        return Checked {
            trace,
            opaque: Some("an ONBUILD trigger (not in this file)".into()),
            unmodelled_writes: Vec::new(),
            unmodelled_deletes: Vec::new(),
        };
    };
    if let Some(why) = fx.opaque.clone() {
        return Checked {
            trace,
            opaque: Some(why),
            unmodelled_writes: Vec::new(),
            unmodelled_deletes: Vec::new(),
        };
    }
    let covers = |p: &PathRef, path: &str| path == p.path || (p.tree && is_within(path, &p.path));
    // What the model says the step may change: its writes, the folders it
    // makes (with their parents), its links and metadata changes; a
    // deletion may also be a write of the folder the entry was in.
    let may_write = |path: &str| {
        fx.writes.iter().any(|w| covers(w, path))
            || fx.creates.iter().any(|c| c == path)
            || fx.events.iter().any(|e| match e {
                crate::parallel::effects::Event::Write(p)
                | crate::parallel::effects::Event::Meta(p) => covers(p, path),
                crate::parallel::effects::Event::MakeDir { path: p, .. } => covers(p, path),
                // A hard link changes both names (their link count).
                crate::parallel::effects::Event::Link {
                    path: p,
                    target,
                    hard,
                } => covers(p, path) || (*hard && target.as_deref() == Some(path)),
                crate::parallel::effects::Event::Delete(_) => false,
            })
    };
    let may_delete = |path: &str| {
        fx.deletes.iter().any(|d| covers(d, path))
            // `mv a b` and writes that replace a folder delete what was there.
            || fx.writes.iter().any(|w| covers(w, path))
    };
    let unmodelled_writes = trace
        .wrote
        .iter()
        .filter(|w| !may_write(w))
        .cloned()
        .collect();
    let unmodelled_deletes = trace
        .deleted
        .iter()
        .filter(|d| !may_delete(d))
        .cloned()
        .collect();
    Checked {
        trace,
        opaque: None,
        unmodelled_writes,
        unmodelled_deletes,
    }
}

fn list(paths: &[String]) -> String {
    if paths.is_empty() {
        "-".into()
    } else {
        paths.join(", ")
    }
}

fn text_report(checked: &[Checked]) -> String {
    let mut o = String::new();
    for c in checked {
        let t = &c.trace;
        let _ = writeln!(o, "{} ({:.2} s)", t.step, t.seconds);
        let _ = writeln!(o, "  wrote:   {}", list(&t.wrote));
        let _ = writeln!(o, "  deleted: {}", list(&t.deleted));
        let model = match &c.opaque {
            Some(why) => format!("none: {why}"),
            None if c.unmodelled_writes.is_empty() && c.unmodelled_deletes.is_empty() => {
                "covers what the step did".into()
            }
            None => {
                let mut parts = Vec::new();
                if !c.unmodelled_writes.is_empty() {
                    parts.push(format!(
                        "does not say it writes {}",
                        c.unmodelled_writes.join(", ")
                    ));
                }
                if !c.unmodelled_deletes.is_empty() {
                    parts.push(format!(
                        "does not say it deletes {}",
                        c.unmodelled_deletes.join(", ")
                    ));
                }
                format!("SAYS LESS: {}", parts.join("; "))
            }
        };
        let _ = writeln!(o, "  model:   {model}");
    }
    let less = checked
        .iter()
        .filter(|c| !c.unmodelled_writes.is_empty() || !c.unmodelled_deletes.is_empty())
        .count();
    let opaque = checked.iter().filter(|c| c.opaque.is_some()).count();
    let _ = writeln!(
        o,
        "{} RUN step{} traced: the model covers {}, says less for {less}, has none for {opaque}.",
        checked.len(),
        if checked.len() == 1 { "" } else { "s" },
        checked.len() - less - opaque
    );
    o
}

fn json_report(checked: &[Checked]) -> String {
    let steps: Vec<serde_json::Value> = checked
        .iter()
        .map(|c| {
            json!({
                "stage": c.trace.stage,
                "step": c.trace.step,
                "seconds": c.trace.seconds,
                "wrote": c.trace.wrote,
                "deleted": c.trace.deleted,
                "model": {
                    "opaque": c.opaque,
                    "unmodelled_writes": c.unmodelled_writes,
                    "unmodelled_deletes": c.unmodelled_deletes,
                },
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "steps": steps })).unwrap_or_default();
    s.push('\n');
    s
}
