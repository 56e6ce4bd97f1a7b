//! Building Dockerfiles on a real engine: the `Executor` boundary and its
//! BuildKit backend. The only code (with `cli` and `lsp`) that spawns processes.
//!
//! An executor takes a [`BuildRequest`] and returns a [`BuildOutput`]: the
//! final filesystem as a tar file (every mtime set to `SOURCE_DATE_EPOCH`),
//! the image configuration and the per-step timings. Everything after that
//! (comparison, timing analysis, reports) works on those values only, so a
//! second backend (an embedded, daemonless executor) plugs in by implementing
//! [`Executor`] and producing the same three things.

mod buildkit;
mod rawjson;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use buildkit::BuildKit;
pub use rawjson::{parse_timestamp, Vertex, VertexLog};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub target: Option<String>,
    pub build_args: Vec<(String, String)>,
    /// `none`, `host` or `default`, passed to the engine as is.
    pub network: String,
    pub no_cache: bool,
    /// Every mtime of the exported filesystem is set to this.
    pub source_date_epoch: u64,
    /// Where the filesystem tar is written.
    pub rootfs_tar: PathBuf,
    /// A name for the image the build leaves in the engine (removed by [`Executor::remove`]).
    pub tag: String,
}

/// One step of a build, from the engine's progress stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The engine's name for it: `[build 2/3] RUN make`, `[internal] load ...`.
    pub name: String,
    /// The stage, as the engine names it (`build`, `stage-0`), when the step belongs to one.
    pub stage: Option<String>,
    pub duration: Duration,
    pub cached: bool,
}

/// The image configuration fields that are compared, by their Docker name
/// (`Env`, `WorkingDir`, ...), as JSON values; absent fields are `null`.
pub type ImageConfig = BTreeMap<String, serde_json::Value>;

/// The configuration fields compared between two builds.
pub const CONFIG_FIELDS: &[&str] = &[
    "Env",
    "WorkingDir",
    "User",
    "Entrypoint",
    "Cmd",
    "Shell",
    "ExposedPorts",
    "Volumes",
    "Labels",
    "StopSignal",
    "Healthcheck",
    "OnBuild",
];

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    pub rootfs_tar: PathBuf,
    pub config: ImageConfig,
    /// The whole `build` command, exports included.
    pub wall: Duration,
    /// The build's steps, first start to last end, exporters left out: the
    /// time compared between Dockerfiles.
    pub build_time: Duration,
    pub steps: Vec<Step>,
    /// The image left in the engine.
    pub image: String,
}

/// Live progress while a build runs.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A step started (or is still running).
    Step(String),
}

/// Why a build could not be done.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExecError {
    #[error("no BuildKit engine found: {looked_for}")]
    #[diagnostic(
        code(rdock::exec::no_engine),
        help("start one with `scripts/engine.sh` (it prints the DOCKER_HOST to use), or install Docker with the buildx plugin and make sure `docker info` works")
    )]
    NoEngine { looked_for: String },
    #[error("the build of {dockerfile} failed{}: {message}", step.as_ref().map(|s| format!(" at step `{s}`")).unwrap_or_default())]
    #[diagnostic(
        code(rdock::exec::build_failed),
        help("the engine's output is above; fix the Dockerfile or the context and run again")
    )]
    BuildFailed {
        dockerfile: String,
        step: Option<String>,
        message: String,
    },
    #[error("could not run `{program}`: {source}")]
    #[diagnostic(code(rdock::exec::spawn))]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("the engine answered something unexpected: {0}")]
    #[diagnostic(code(rdock::exec::protocol))]
    Protocol(String),
}

/// A backend that builds Dockerfiles.
pub trait Executor {
    /// The engine and its version, for reports.
    fn describe(&self) -> String;
    /// Build `req`, reporting progress as it goes.
    fn build(
        &self,
        req: &BuildRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BuildOutput, ExecError>;
    /// Forget what a build left in the engine (its image).
    fn remove(&self, output: &BuildOutput);
}
