//! Building Dockerfiles on a real engine: the `Executor` boundary and its two
//! BuildKit backends, the Docker CLI (`docker buildx build`) and `buildctl`
//! against a standalone buildkitd. The only code (with `cli` and `lsp`) that
//! spawns processes.
//!
//! An executor takes a [`BuildRequest`] and returns a [`BuildOutput`]: the
//! final filesystem as a tar file (every mtime set to `SOURCE_DATE_EPOCH`),
//! the image configuration and the per-step timings. Everything after that
//! (comparison, timing analysis, reports) works on those values only, so a
//! second backend (an embedded, daemonless executor) plugs in by implementing
//! [`Executor`] and producing the same three things.

mod buildctl;
mod buildkit;
#[cfg(target_os = "linux")]
pub mod embedded;
mod rawjson;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use buildctl::Buildctl;
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
    /// Named build contexts (`--build-context NAME=VALUE`, as `docker buildx
    /// build` takes them): `oci-layout://DIR[:TAG|@DIGEST]`,
    /// `docker-image://REF`, or a local folder. How a `FROM NAME` is served
    /// without a registry.
    pub contexts: Vec<(String, String)>,
    /// Record what each RUN step changed ([`BuildOutput::traces`]); only
    /// the embedded engine can (it sees each step's layer), and then does
    /// not take steps from its cache.
    pub trace: bool,
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
    /// With [`BuildRequest::trace`]: what each RUN step changed.
    pub traces: Vec<StepTrace>,
    /// The size of the image's layers as the engine counts them (Docker:
    /// unpacked; buildkitd: compressed; embedded: the files of its layer
    /// folders), comparable only between two builds on one engine. A file a
    /// step deletes still counts in the layer that brought it. `None` when
    /// the engine does not say.
    pub image_bytes: Option<u64>,
}

/// What one RUN step changed, read from the layer it left: the paths it
/// wrote (files and links written, or whose mode, owner or times changed,
/// and folders it made) and the paths it deleted. Paths are absolute, in
/// the image; what the runtime itself puts in a step's layer (mount points
/// such as `/proc`, `/etc/hosts`) is left out.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct StepTrace {
    /// The stage, as the engine names it.
    pub stage: String,
    /// The instruction's index in the Dockerfile's model (`None` for an
    /// ONBUILD trigger).
    #[serde(skip)]
    pub instruction: Option<usize>,
    /// The engine's name for the step.
    pub step: String,
    pub seconds: f64,
    /// Files whose content it read, folders it listed and programs it ran,
    /// of the image's tree (not its mounts); see `exec/embedded/reads.rs`
    /// for what this cannot see.
    pub read: Vec<String>,
    pub wrote: Vec<String>,
    pub deleted: Vec<String>,
    /// What each path of `wrote` is, for using the trace as evidence.
    #[serde(skip)]
    pub written: Vec<(String, Written)>,
}

/// What a traced step left at a path it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Written {
    File,
    /// A regular file with more than one name.
    HardLink,
    Symlink,
    /// A folder made, or replaced whole (then its old content was deleted);
    /// `plain`: mode 755 and root's, as `COPY --from` makes folders.
    Dir {
        plain: bool,
    },
    /// An existing folder whose mode or owner changed.
    DirMeta,
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
        help("start one with `scripts/engine.sh` (a Docker daemon; it prints the DOCKER_HOST to use) or `scripts/engine.sh --buildkitd` (also a buildkitd; it prints the BUILDKIT_HOST to use); or install Docker with the buildx plugin and make sure `docker info` works; or run `buildkitd` and pass its address with --buildkit-host or BUILDKIT_HOST")
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
    #[error("--build-context {0}")]
    #[diagnostic(
        code(rdock::exec::bad_context),
        help(
            "write it as NAME=oci-layout://DIR[:TAG|@DIGEST], NAME=docker-image://REF or NAME=DIR"
        )
    )]
    BadContext(String),
    #[error("the embedded engine needs root: it mounts overlay filesystems and makes namespaces")]
    #[diagnostic(
        code(rdock::exec::not_root),
        help("run rdock as root (e.g. with sudo), or use a BuildKit engine with --engine docker or --engine buildctl; rootless operation with user namespaces is not supported yet")
    )]
    NotRoot,
    #[error("the engine answered something unexpected: {0}")]
    #[diagnostic(code(rdock::exec::protocol))]
    Protocol(String),
}

/// How long a question to an engine (`docker version`, `buildctl debug
/// info`, `docker image inspect`) may take before rdock gives up on it: a
/// daemon that hangs must not hang `rdock verify`. `RDOCK_ENGINE_TIMEOUT`
/// (seconds) overrides it. Builds themselves have no limit.
pub const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

fn probe_timeout() -> std::time::Duration {
    std::env::var("RDOCK_ENGINE_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(PROBE_TIMEOUT, std::time::Duration::from_secs_f64)
}

/// Run `cmd` to the end like `Command::output`, killing it when it takes
/// longer than the probe timeout (an error of kind `TimedOut` then).
pub(crate) fn output_within(
    cmd: &mut std::process::Command,
) -> std::io::Result<std::process::Output> {
    use std::io::Read;
    use wait_timeout::ChildExt;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // Read both pipes while waiting, so a chatty command cannot block on a full pipe.
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    }
    let reader = drain(child.stdout.take());
    let err_reader = drain(child.stderr.take());
    let limit = probe_timeout();
    let status = match child.wait_timeout(limit)? {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "no answer in {} s (RDOCK_ENGINE_TIMEOUT sets the limit)",
                    limit.as_secs_f64()
                ),
            ));
        }
    };
    Ok(std::process::Output {
        status,
        stdout: reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
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

/// Which backend builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineChoice {
    /// The Docker CLI if it reaches a daemon, else `buildctl` if a buildkitd
    /// address is given (`--buildkit-host`, `BUILDKIT_HOST`) or `buildctl`
    /// is on PATH.
    Auto,
    Docker,
    Buildctl,
}

/// Find the engine to build with. `buildkit_host` is the buildkitd address
/// given on the command line (else `BUILDKIT_HOST`, else buildctl's default).
pub fn detect(
    choice: EngineChoice,
    buildkit_host: Option<&str>,
) -> Result<Box<dyn Executor>, ExecError> {
    match choice {
        EngineChoice::Docker => Ok(Box::new(BuildKit::detect()?)),
        EngineChoice::Buildctl => Ok(Box::new(Buildctl::detect(buildkit_host)?)),
        EngineChoice::Auto => {
            // An address given on the command line says which engine is meant.
            if buildkit_host.is_some() {
                return Ok(Box::new(Buildctl::detect(buildkit_host)?));
            }
            let docker = match BuildKit::detect() {
                Ok(d) => return Ok(Box::new(d)),
                Err(ExecError::NoEngine { looked_for }) => looked_for,
                Err(e) => return Err(e),
            };
            if std::env::var_os("BUILDKIT_HOST").is_some() || Buildctl::on_path() {
                return match Buildctl::detect(None) {
                    Ok(b) => Ok(Box::new(b)),
                    Err(ExecError::NoEngine { looked_for }) => Err(ExecError::NoEngine {
                        looked_for: format!("{docker}; and {looked_for}"),
                    }),
                    Err(e) => Err(e),
                };
            }
            Err(ExecError::NoEngine {
                looked_for: format!(
                    "{docker}; and no `buildctl` on PATH and no BUILDKIT_HOST for a buildkitd"
                ),
            })
        }
    }
}

/// Run an engine command whose stderr is BuildKit's `--progress=rawjson`
/// stream, reporting each step as it starts. Returns the exit status, the
/// steps, the lines that were not JSON, and the wall time.
pub(crate) fn run_rawjson(
    mut cmd: Command,
    program: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<(ExitStatus, VertexLog, Vec<String>, Duration), ExecError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let epoch = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    };
    let began = epoch(std::time::SystemTime::now());
    let mut child = cmd.spawn().map_err(|source| ExecError::Spawn {
        program: program.to_string(),
        source,
    })?;
    let mut log = VertexLog::default();
    let mut other = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).split(b'\n') {
            let Ok(line) = line else { break };
            let line = String::from_utf8_lossy(&line);
            if line.trim_start().starts_with('{') {
                if let Some(step) = log.feed(&line) {
                    progress(Progress::Step(step));
                }
            } else if !line.trim().is_empty() {
                other.push(line.into_owned());
            }
        }
    }
    let status = child.wait().map_err(|source| ExecError::Spawn {
        program: program.to_string(),
        source,
    })?;
    log.set_window(began, epoch(std::time::SystemTime::now()));
    Ok((status, log, other, start.elapsed()))
}

/// The error of a failed build: the failing step from the progress stream,
/// else the last lines the engine printed.
pub(crate) fn build_failed(req: &BuildRequest, log: &VertexLog, other: &[String]) -> ExecError {
    let (step, message) = match log.failure() {
        Some((s, m)) => (Some(s), m),
        None => (None, tail(other)),
    };
    ExecError::BuildFailed {
        dockerfile: req.dockerfile.display().to_string(),
        step,
        message,
    }
}

/// The compared fields of an image's `config` object.
pub(crate) fn config_fields(config: &serde_json::Value) -> ImageConfig {
    CONFIG_FIELDS
        .iter()
        .map(|f| {
            let v = config.get(*f).cloned().unwrap_or(serde_json::Value::Null);
            (f.to_string(), normalise(v))
        })
        .collect()
}

/// Empty lists and maps mean the same as absent ones.
fn normalise(v: serde_json::Value) -> serde_json::Value {
    match &v {
        serde_json::Value::Array(a) if a.is_empty() => serde_json::Value::Null,
        serde_json::Value::Object(o) if o.is_empty() => serde_json::Value::Null,
        serde_json::Value::String(s) if s.is_empty() => serde_json::Value::Null,
        _ => v,
    }
}

fn tail(lines: &[String]) -> String {
    let n = lines.len().saturating_sub(20);
    let t = lines[n..].join("\n");
    if t.is_empty() {
        "the engine gave no reason".into()
    } else {
        t
    }
}
