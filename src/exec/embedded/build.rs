//! One build: read the Dockerfile with rdock's model, schedule the stages
//! the target reaches from the stage graph (a stage starts when the stages
//! it reads are done; independent stages run at the same time, at most
//! `--jobs` of them), then export the target's tree and configuration.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::config::ImageState;
use super::image::Images;
use super::spec::{Op, Spec};
use super::stage::StageRun;
use super::store::Store;
use crate::exec::{BuildOutput, BuildRequest, ExecError, Progress, Step};
use crate::graph::StageGraph;
use crate::model::{BuildInputs, Model};

/// What every stage of a build shares.
pub struct Ctx {
    pub store: Store,
    pub images: Arc<Images>,
    pub context: PathBuf,
    /// The `.dockerignore` text that applies to the context.
    pub ignore: Option<String>,
    pub build_args: BTreeMap<String, String>,
    /// Global ARGs (and the automatic platform ARGs) with their values.
    pub global_args: Vec<(String, Option<String>)>,
    pub network_host: bool,
    /// The /etc/hosts file given to steps, relative to the store.
    pub hosts: PathBuf,
    /// Whether the step cache is read and written (not with `--no-cache`).
    pub cache: bool,
    context_digest: std::sync::OnceLock<String>,
    epoch: Instant,
    steps: Mutex<Vec<(Step, Duration, Duration)>>,
    progress: Mutex<mpsc::Sender<String>>,
    abort: AtomicBool,
    /// With `BuildRequest::trace`: what each RUN step changed.
    traces: Option<Mutex<Vec<crate::exec::StepTrace>>>,
}

impl Ctx {
    /// What the context holds for COPY, for the step cache (computed once).
    pub fn context_digest(&self) -> &str {
        self.context_digest
            .get_or_init(|| super::cache::tree_digest(&self.context, self.ignore.as_deref()))
    }

    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// A finished step: its stage, name and time.
    pub fn record(&self, stage: &str, name: &str, start: Duration, started: Instant, cached: bool) {
        let d = started.elapsed();
        let step = Step {
            name: name.to_string(),
            stage: Some(stage.to_string()),
            duration: d,
            cached,
        };
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((step, start, start + d));
    }

    /// Whether RUN steps are traced.
    pub fn tracing(&self) -> bool {
        self.traces.is_some()
    }

    /// A traced RUN step.
    pub fn record_trace(&self, t: crate::exec::StepTrace) {
        if let Some(ts) = &self.traces {
            ts.lock().unwrap_or_else(|e| e.into_inner()).push(t);
        }
    }

    pub fn progress(&self, what: &str) {
        let _ = self
            .progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(what.to_string());
    }

    pub fn aborted(&self) -> bool {
        self.abort.load(Ordering::Relaxed)
    }
}

/// A finished stage.
#[derive(Debug)]
pub struct StageOut {
    /// Its layers, bottom first (relative to the store).
    pub layers: Vec<String>,
    pub image: ImageState,
    pub env: Vec<(String, String)>,
    /// The step cache's key of its last state (`None`: not cacheable).
    pub key: Option<String>,
}

fn failed(req: &BuildRequest, step: Option<String>, message: impl Into<String>) -> ExecError {
    ExecError::BuildFailed {
        dockerfile: req.dockerfile.display().to_string(),
        step,
        message: message.into(),
    }
}

/// `.dockerignore` as BuildKit picks it: `<Dockerfile>.dockerignore`, else the context's.
pub fn ignore_text(dockerfile: &Path, context: &Path) -> Option<String> {
    let own = PathBuf::from(format!("{}.dockerignore", dockerfile.display()));
    std::fs::read_to_string(own)
        .ok()
        .or_else(|| std::fs::read_to_string(context.join(".dockerignore")).ok())
}

pub fn build(
    images: Arc<Images>,
    jobs: usize,
    req: &BuildRequest,
    progress: &mut dyn FnMut(Progress),
) -> Result<BuildOutput, ExecError> {
    super::cleanup::install();
    let network_host = match req.network.as_str() {
        "none" => false,
        "host" => true,
        other => {
            return Err(failed(
                req,
                None,
                format!(
                    "--network {other} is not supported by the embedded engine: use none or host"
                ),
            ))
        }
    };
    let text = crate::input::read_text(&req.dockerfile)
        .map_err(|e| failed(req, None, format!("cannot read it: {e}")))?;
    let build_args: BTreeMap<String, String> = req.build_args.iter().cloned().collect();
    let model = Model::new(
        &text,
        &BuildInputs {
            build_args: build_args.clone(),
        },
    );
    if let Some(e) = model.ast.errors.iter().chain(&model.errors).next() {
        let line = text[..e.span.start.min(text.len())].lines().count().max(1);
        return Err(failed(req, None, format!("line {line}: {}", e.message)));
    }
    let targets: Vec<String> = req.target.iter().cloned().collect();
    let graph = StageGraph::new(&model, &targets, &[]);
    if let Some(t) = graph.unknown_targets.first() {
        return Err(failed(
            req,
            None,
            format!("target stage \"{t}\" could not be found"),
        ));
    }
    let Some(&target) = graph.targets.first() else {
        return Err(failed(req, None, "the file has no stage to build"));
    };
    // Base images are made ready (read, pulled, unpacked) before the clock
    // starts: the build's time is the steps', as a warm BuildKit measures
    // it. A base that cannot be had fails in its stage, with its error.
    for (i, stage) in model.stages.iter().enumerate() {
        if let (
            true,
            crate::model::Base::Image {
                resolved: Some(name),
                ..
            },
        ) = (
            graph.reachable.get(i).copied().unwrap_or(false),
            &stage.base,
        ) {
            let _ = images.get(name);
        }
    }
    let wall = Instant::now();
    let io = |e: std::io::Error| failed(req, None, format!("the work folder: {e}"));
    let store = Store::new().map_err(io)?;
    std::fs::write(store.root.join("hosts"), super::sandbox::HOSTS).map_err(io)?;
    let context = std::fs::canonicalize(&req.context).map_err(|e| {
        failed(
            req,
            None,
            format!("the context {}: {e}", req.context.display()),
        )
    })?;
    let (ptx, prx) = mpsc::channel();
    let ctx = Ctx {
        store,
        images,
        ignore: ignore_text(&req.dockerfile, &context),
        context,
        build_args,
        global_args: model
            .scope
            .global
            .iter()
            .map(|d| (d.name.clone(), d.value.clone()))
            .collect(),
        network_host,
        hosts: PathBuf::from("hosts"),
        // A traced step must run: a step from the cache shows nothing.
        cache: !req.no_cache && !req.trace,
        context_digest: std::sync::OnceLock::new(),
        epoch: Instant::now(),
        steps: Mutex::new(Vec::new()),
        progress: Mutex::new(ptx),
        abort: AtomicBool::new(false),
        traces: req.trace.then(|| Mutex::new(Vec::new())),
    };
    let n = model.stages.len();
    let needed: Vec<bool> = (0..n)
        .map(|i| graph.reachable.get(i).copied().unwrap_or(false))
        .collect();
    let deps: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut d: Vec<usize> = graph.dependencies(i).map(|(d, _)| d).collect();
            d.sort_unstable();
            d.dedup();
            d
        })
        .collect();
    let jobs = jobs.max(1);
    let mut done: HashMap<usize, Arc<StageOut>> = HashMap::new();
    let mut first_err: Option<ExecError> = None;
    let (tx, rx) = mpsc::channel::<(usize, Result<StageOut, ExecError>)>();
    std::thread::scope(|s| {
        let mut started = vec![false; n];
        let mut running = 0usize;
        loop {
            if first_err.is_none() {
                for i in 0..n {
                    if running >= jobs {
                        break;
                    }
                    if !needed[i] || started[i] || !deps[i].iter().all(|d| done.contains_key(d)) {
                        continue;
                    }
                    started[i] = true;
                    running += 1;
                    let inputs: HashMap<usize, Arc<StageOut>> =
                        deps[i].iter().map(|d| (*d, Arc::clone(&done[d]))).collect();
                    let (ctx, model, tx) = (&ctx, &model, tx.clone());
                    s.spawn(move || {
                        let r = StageRun::new(ctx, model, i, inputs).run();
                        let _ = tx.send((i, r));
                    });
                }
            }
            if running == 0 {
                if first_err.is_none() && !done.contains_key(&target) {
                    first_err = Some(failed(
                        req,
                        None,
                        "the stages depend on each other in a circle",
                    ));
                }
                break;
            }
            if let Ok((i, r)) = rx.recv_timeout(Duration::from_millis(50)) {
                running -= 1;
                match r {
                    Ok(out) => {
                        done.insert(i, Arc::new(out));
                    }
                    Err(e) if first_err.is_none() => {
                        first_err = Some(e);
                        ctx.abort.store(true, Ordering::Relaxed);
                        super::cleanup::kill_all();
                    }
                    Err(_) => {}
                }
            }
            while let Ok(p) = prx.try_recv() {
                progress(Progress::Step(p));
            }
        }
    });
    if let Some(e) = first_err {
        return Err(match e {
            ExecError::BuildFailed { step, message, .. } => failed(req, step, message),
            e => e,
        });
    }
    let out = &done[&target];
    let mut steps = ctx.steps.lock().unwrap_or_else(|e| e.into_inner()).clone();
    steps.sort_by_key(|(_, s, _)| *s);
    let build_time = match (
        steps.iter().map(|s| s.1).min(),
        steps.iter().map(|s| s.2).max(),
    ) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    // The export: the target's merged tree as a tar file.
    let tar = std::path::absolute(&req.rootfs_tar).map_err(io)?;
    let (merged, spec_path) = ctx.store.new_view().map_err(io)?;
    let spec = Spec {
        root: ctx.store.root.clone(),
        lowers: out.layers.iter().rev().cloned().collect(),
        upper: None,
        merged,
        op: Op::Export {
            tar,
            epoch: req.source_date_epoch,
        },
    };
    progress(Progress::Step("exporting to a tar file".into()));
    let outcome =
        super::sandbox::spawn(&spec, &spec_path, &mut |_| {}).map_err(|e| failed(req, None, e))?;
    if outcome.code != 0 {
        return Err(failed(req, Some("export".into()), outcome.tail.join("\n")));
    }
    Ok(BuildOutput {
        rootfs_tar: req.rootfs_tar.clone(),
        config: out.image.compared(),
        wall: wall.elapsed(),
        build_time,
        steps: steps.into_iter().map(|(s, _, _)| s).collect(),
        image: String::new(),
        image_bytes: Some(ctx.store.layer_bytes(&out.layers)),
        traces: ctx
            .traces
            .as_ref()
            .map(|t| t.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default(),
    })
}
