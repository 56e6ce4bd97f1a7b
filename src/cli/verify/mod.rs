//! `rdock verify`: build a Dockerfile and its rewrite on a real engine,
//! prove that their outputs match, and measure the speed-up.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};

mod report;

use report::{empty_analysis, ratio, report_failure, report_unchanged, timed, Report};

use super::build::{Build, BuildFlags};
use super::{fail, Exit};
use crate::exec::{BuildOutput, BuildRequest, EngineChoice, ExecError, Executor, Progress};
use crate::verify::fs::Snapshot;
use crate::verify::timing::{analyse, Analysis};
use crate::verify::{baseline, compare, Comparison};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub build: BuildFlags,
    /// The Dockerfile to compare with. Default: what `rdock lint --fix` would write.
    #[arg(long, value_name = "OTHER")]
    pub against: Option<PathBuf>,
    /// Build without the engine's cache, so that timings are real (`--no-cache=false` to allow it).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub no_cache: bool,
    /// Build each side N times, alternating, and report medians.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Also apply unsafe fixes when making the rewrite (as `rdock lint --fix --unsafe-fixes`).
    #[arg(long)]
    pub unsafe_fixes: bool,
    #[arg(long, value_enum, default_value_t = VerifyFormat::Full)]
    pub output_format: VerifyFormat,
    /// Keep the exported filesystems (tar files), the rewrite and the images.
    #[arg(long)]
    pub keep: bool,
    /// The engine: the Docker CLI with BuildKit, `buildctl` against a
    /// buildkitd, or `embedded`, rdock's own executor (no daemon; needs
    /// root). `auto`: docker when it reaches a daemon, else buildctl.
    #[arg(long, value_enum, default_value_t = EngineArg::Auto)]
    pub engine: EngineArg,
    /// The buildkitd address for `--engine buildctl` (buildctl's `--addr`;
    /// default: BUILDKIT_HOST, else buildctl's default). Given, `auto` means buildctl.
    #[arg(long, value_name = "ADDR")]
    pub buildkit_host: Option<String>,
    /// A named build context for both sides, as `docker buildx build` takes
    /// it: `NAME=oci-layout://DIR[:TAG]`, `NAME=docker-image://REF` or
    /// `NAME=DIR`. Serves `FROM NAME` without a registry.
    #[arg(long, value_name = "NAME=VALUE")]
    pub build_context: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EngineArg {
    Auto,
    Docker,
    Buildctl,
    Embedded,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum VerifyFormat {
    Full,
    Json,
}

/// The fixed time every exported mtime is set to.
const SOURCE_DATE_EPOCH: u64 = 0;

/// One side of the comparison.
struct Side {
    label: &'static str,
    path: PathBuf,
    text: String,
}

pub fn run(args: VerifyArgs) -> Exit {
    verify(args).unwrap_or_else(|code| code)
}

fn verify(args: VerifyArgs) -> Result<Exit, Exit> {
    let json_out = args.output_format == VerifyFormat::Json;
    let Build {
        text: original_text,
        build_args,
        settings,
        context,
    } = args.build.read()?;
    let mut contexts = Vec::new();
    for c in &args.build_context {
        match c.split_once('=') {
            Some((name, value)) if !name.is_empty() && !value.is_empty() => {
                contexts.push((name.to_string(), value.to_string()))
            }
            _ => {
                return Err(fail(
                    format!("--build-context `{c}` is not NAME=VALUE"),
                    "write it as --build-context NAME=oci-layout://DIR[:TAG], NAME=docker-image://REF or NAME=DIR",
                ))
            }
        }
    }

    // The other side: a given file, or what `rdock lint --fix` writes.
    let (other, how) = match &args.against {
        Some(path) => (
            Side {
                label: "rewrite",
                path: path.clone(),
                text: super::read_dockerfile(path)?,
            },
            format!("against {}", path.display()),
        ),
        None => {
            let outcome = match crate::check_and_fix(&original_text, &settings, args.unsafe_fixes) {
                Ok(o) => o,
                Err(e) => {
                    return Err(fail(
                        format!("{}: {e}", args.build.dockerfile.display()),
                        "run `rdock lint` on the file to see the findings",
                    ))
                }
            };
            if outcome.text == original_text {
                return Ok(report_unchanged(&args, json_out));
            }
            (
                Side {
                    label: "rewrite",
                    path: PathBuf::new(),
                    text: outcome.text,
                },
                format!(
                    "against its rewrite by `rdock lint --fix{}` ({} fix{} applied)",
                    if args.unsafe_fixes {
                        " --unsafe-fixes"
                    } else {
                        ""
                    },
                    outcome.applied,
                    if outcome.applied == 1 { "" } else { "es" }
                ),
            )
        }
    };
    let original = Side {
        label: "original",
        path: args.build.dockerfile.clone(),
        text: original_text,
    };

    let choice = match args.engine {
        EngineArg::Auto => Some(EngineChoice::Auto),
        EngineArg::Docker => Some(EngineChoice::Docker),
        EngineArg::Buildctl => Some(EngineChoice::Buildctl),
        EngineArg::Embedded => None,
    };
    let engine = match choice {
        Some(choice) => crate::exec::detect(choice, args.buildkit_host.as_deref()),
        None => embedded_engine(&args.build.image, args.build.jobs, &contexts),
    };
    let engine = super::engine_or_exit(engine)?;
    let work = super::temp_dir("rdock-verify-")?;
    let mut other = other;
    if other.path.as_os_str().is_empty() {
        let path = work.path().join("rewrite.Dockerfile");
        if let Err(e) = std::fs::write(&path, &other.text) {
            return Err(fail(
                format!("cannot write `{}`: {e}", path.display()),
                "check that TMPDIR is writable",
            ));
        }
        // BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile first.
        let own_ignore = PathBuf::from(format!("{}.dockerignore", args.build.dockerfile.display()));
        if own_ignore.is_file() {
            let _ = std::fs::copy(
                &own_ignore,
                work.path().join("rewrite.Dockerfile.dockerignore"),
            );
        }
        other.path = path;
    }

    let mut builds = Builds {
        engine: engine.as_ref(),
        contexts: &contexts,
        args: &args,
        context: &context,
        build_args: &build_args,
        work: work.path().to_path_buf(),
        outputs: Vec::new(),
        bar: progress_bar(json_out),
        total: args.runs as usize * 2 + usize::from(args.runs == 1),
        done: 0,
    };
    let result = builds.run_all(&original, &other);
    if let Some(bar) = &builds.bar {
        bar.finish_and_clear();
    }
    let outputs = std::mem::take(&mut builds.outputs);
    let kept = if args.keep {
        Some(work.keep())
    } else {
        for o in &outputs {
            engine.remove(o);
        }
        None
    };
    let (a_runs, b_runs, comparison) = match result {
        Ok(r) => r,
        Err((side, e)) => return Ok(report_failure(side, &e, json_out)),
    };

    // The timing reads the build that ran: `--target`, else the last stage.
    let one_build = settings.for_one_build(args.build.target.as_deref());
    let a_an: Vec<Analysis> = a_runs
        .iter()
        .map(|o| analyse(&original.text, &one_build, &o.steps))
        .collect();
    let b_an: Vec<Analysis> = b_runs
        .iter()
        .map(|o| analyse(&other.text, &one_build, &o.steps))
        .collect();
    // The rewrite's graph with the original's step times (see `with_times_of`).
    let ideal = match (a_runs.first(), b_runs.first()) {
        (Some(a), Some(b)) => analyse(
            &other.text,
            &one_build,
            &crate::verify::timing::with_times_of(&b.steps, &a.steps),
        ),
        _ => b_an.first().cloned().unwrap_or_else(empty_analysis),
    };
    let report = Report {
        ideal,
        cores: crate::parallel::build_cores(),
        original: &original,
        other: &other,
        how,
        engine: engine.describe(),
        network: &args.build.network,
        no_cache: args.no_cache,
        a: timed(&a_runs, &a_an),
        b: timed(&b_runs, &b_an),
        pairs: a_runs
            .iter()
            .zip(&b_runs)
            .map(|(a, b)| ratio(a.build_time, b.build_time))
            .collect(),
        comparison,
        kept,
    };
    if json_out {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", report.json());
    } else {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{}", report.full());
    }
    Ok(if report.comparison.matches() {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

type Runs = (Vec<BuildOutput>, Vec<BuildOutput>, Comparison);

/// `--engine embedded`: its base images from `--image NAME=PATH`, and from
/// `--build-context NAME=oci-layout://DIR` or `NAME=DIR` as the BuildKit
/// backends would serve `FROM NAME`.
/// The embedded engine with the base images of `--image NAME=PATH`
/// (`image`) and of `oci-layout://` or folder build contexts.
pub(super) fn embedded_engine(
    image: &[String],
    jobs: Option<u32>,
    contexts: &[(String, String)],
) -> Result<Box<dyn Executor>, ExecError> {
    #[cfg(target_os = "linux")]
    {
        let mut images: Vec<(String, PathBuf)> = Vec::new();
        for i in image {
            match i.split_once('=') {
                Some((n, p)) if !n.is_empty() && !p.is_empty() => {
                    images.push((n.to_string(), PathBuf::from(p)))
                }
                _ => {
                    return Err(ExecError::BadContext(format!(
                        "--image `{i}` is not NAME=PATH"
                    )))
                }
            }
        }
        for (name, value) in contexts {
            if let Some(layout) = value.strip_prefix("oci-layout://") {
                // `DIR:TAG` or `DIR@DIGEST`: the folder; the image in it is found by name.
                let dir = layout.split(['@']).next().unwrap_or(layout);
                let dir = match dir.rsplit_once(':') {
                    Some((d, tag)) if !tag.contains('/') && std::path::Path::new(d).is_dir() => d,
                    _ => dir,
                };
                images.push((name.clone(), PathBuf::from(dir)));
            } else if !value.contains("://") {
                images.push((name.clone(), PathBuf::from(value)));
            } else {
                return Err(ExecError::BadContext(format!(
                    "{name}={value}: the embedded engine takes oci-layout:// contexts and folders"
                )));
            }
        }
        let engine = crate::exec::embedded::Embedded::new(&images, jobs.map(|j| j as usize))?;
        Ok(Box::new(engine))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (image, jobs, contexts);
        Err(ExecError::NoEngine {
            looked_for: "the embedded engine runs on Linux only".into(),
        })
    }
}

struct Builds<'a> {
    engine: &'a dyn Executor,
    contexts: &'a [(String, String)],
    args: &'a VerifyArgs,
    context: &'a Path,
    build_args: &'a [(String, String)],
    work: PathBuf,
    /// Every build made, to remove their images.
    outputs: Vec<BuildOutput>,
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: usize,
}

impl Builds<'_> {
    fn build(&mut self, side: &Side, n: usize) -> Result<BuildOutput, ExecError> {
        let req = BuildRequest {
            dockerfile: side.path.clone(),
            context: self.context.to_path_buf(),
            target: self.args.build.target.clone(),
            build_args: self.build_args.to_vec(),
            network: self.args.build.network.clone(),
            no_cache: self.args.no_cache,
            source_date_epoch: SOURCE_DATE_EPOCH,
            rootfs_tar: self.work.join(format!("{}-{n}.tar", side.label)),
            tag: format!(
                "rdock-verify-{}-{}-{n}:latest",
                std::process::id(),
                side.label
            ),
            contexts: self.contexts.to_vec(),
            trace: false,
        };
        self.done += 1;
        let head = format!("build {}/{} ({} #{n})", self.done, self.total, side.label);
        if let Some(bar) = &self.bar {
            bar.set_message(head.clone());
        }
        let bar = self.bar.clone();
        let out = self.engine.build(&req, &mut |p| {
            if let (Some(bar), Progress::Step(step)) = (&bar, p) {
                bar.set_message(format!("{head}: {step}"));
            }
        })?;
        self.outputs.push(out.clone());
        Ok(out)
    }

    fn snapshot(out: &BuildOutput) -> Result<Snapshot, ExecError> {
        let file = std::fs::File::open(&out.rootfs_tar).map_err(|e| {
            ExecError::Protocol(format!(
                "cannot open the export {}: {e}",
                out.rootfs_tar.display()
            ))
        })?;
        Snapshot::from_tar(std::io::BufReader::new(file)).map_err(|e| {
            ExecError::Protocol(format!(
                "cannot read the export {}: {e}",
                out.rootfs_tar.display()
            ))
        })
    }

    /// Build A and B alternately `runs` times (A once more when `runs` is 1,
    /// for the nondeterminism baseline), then compare.
    fn run_all(&mut self, a: &Side, b: &Side) -> Result<Runs, (&'static str, ExecError)> {
        let mut a_runs = Vec::new();
        let mut b_runs = Vec::new();
        let mut snaps: BTreeMap<(&str, usize), Snapshot> = BTreeMap::new();
        let runs = self.args.runs as usize;
        let mut plan: Vec<(&Side, usize)> = Vec::new();
        for i in 1..=runs {
            plan.push((a, i));
            plan.push((b, i));
        }
        if runs == 1 {
            plan.push((a, 2));
        }
        for (side, n) in plan {
            let out = self.build(side, n).map_err(|e| (side.label, e))?;
            if n <= 2 && !(side.label == "rewrite" && n == 2) {
                let snap = Self::snapshot(&out).map_err(|e| (side.label, e))?;
                snaps.insert((side.label, n), snap);
            }
            if !self.args.keep && n > 2 {
                let _ = std::fs::remove_file(&out.rootfs_tar);
            }
            if side.label == "original" {
                a_runs.push(out);
            } else {
                b_runs.push(out);
            }
        }
        let (Some(a1), Some(a2), Some(b1)) = (
            snaps.get(&("original", 1)),
            snaps.get(&("original", 2)),
            snaps.get(&("rewrite", 1)),
        ) else {
            return Err((
                "original",
                ExecError::Protocol("a build left no filesystem to compare".into()),
            ));
        };
        let base = baseline((a1, &a_runs[0].config), (a2, &a_runs[1].config));
        let comparison = compare((a1, &a_runs[0].config), (b1, &b_runs[0].config), &base);
        Ok((a_runs, b_runs, comparison))
    }
}

fn progress_bar(json_out: bool) -> Option<indicatif::ProgressBar> {
    if json_out || !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed:>4}] {wide_msg}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}
