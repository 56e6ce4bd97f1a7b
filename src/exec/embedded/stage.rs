//! One stage, instruction by instruction, with BuildKit's dispatch rules:
//! words are expanded with the stage's environment as it is before the
//! instruction (ARG values are in it, ENV replaces them), ARG takes a
//! `--build-arg`, else its default, else the global ARG's value; RUN, COPY,
//! ADD and WORKDIR (when it makes a folder) are steps in the sandbox, each
//! leaving a layer; the rest changes the image configuration.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use super::build::{Ctx, StageOut};
use super::config::{self, ImageState};
use super::spec::{CopyFrom, CopySpec, Op, RunSpec};
use crate::exec::ExecError;
use crate::model::expand::Lexer;
use crate::model::{Base, Model, RefKind, RefTarget};
use crate::syntax::{Args, Instruction, Kind};

pub struct StageRun<'a> {
    pub ctx: &'a Ctx,
    pub model: &'a Model<'a>,
    pub index: usize,
    /// Finished stages this one reads (its base, `--from`, `from=`).
    pub deps: HashMap<usize, Arc<StageOut>>,
    /// The engine's name of the stage (`build`, `stage-0`), for steps.
    pub name: String,
    pub layers: Vec<String>,
    pub image: ImageState,
    /// The environment words are expanded with and RUN gets: the image's
    /// ENV and the stage's ARG values.
    pub env: Vec<(String, String)>,
    /// The step cache's key of the state so far (`None`: not cacheable).
    key: Option<String>,
    step: usize,
    total: usize,
    /// The instruction being run (its index in the model).
    current: Option<usize>,
}

pub fn fail(step: &str, message: impl Into<String>) -> ExecError {
    ExecError::BuildFailed {
        dockerfile: String::new(),
        step: Some(step.to_string()),
        message: message.into(),
    }
}

impl<'a> StageRun<'a> {
    pub fn new(
        ctx: &'a Ctx,
        model: &'a Model<'a>,
        index: usize,
        deps: HashMap<usize, Arc<StageOut>>,
    ) -> Self {
        let stage = &model.stages[index];
        StageRun {
            ctx,
            model,
            index,
            deps,
            name: stage
                .name_lower()
                .unwrap_or_else(|| format!("stage-{index}")),
            layers: Vec::new(),
            image: ImageState::default(),
            env: Vec::new(),
            key: None,
            step: 1,
            total: stage.body.len() + 1,
            current: None,
        }
    }

    fn label(&self, text: &str) -> String {
        let first = text.lines().next().unwrap_or_default();
        let short: String = first.chars().take(100).collect();
        format!("[{} {}/{}] {short}", self.name, self.step, self.total)
    }

    fn expand(&self, word: &str, label: &str) -> Result<String, ExecError> {
        Lexer::new(self.model.ast.escape)
            .process_word(word, &self.env)
            .map(|e| e.value)
            .map_err(|e| fail(label, format!("failed to process \"{word}\": {e}")))
    }

    fn expand_words(&self, word: &str, label: &str) -> Result<Vec<String>, ExecError> {
        Lexer::new(self.model.ast.escape)
            .process_words(word, &self.env)
            .map_err(|e| fail(label, format!("failed to process \"{word}\": {e}")))
    }

    /// Build the stage: its base, then each instruction.
    pub fn run(mut self) -> Result<StageOut, ExecError> {
        let stage = &self.model.stages[self.index];
        let from = self.model.instruction(stage.from);
        let label = self.label(&self.model.text[from.span.start..from.span.end]);
        let started = Instant::now();
        let start_off = self.ctx.now();
        self.ctx.progress(&label);
        self.check_platform(from, &label)?;
        match &stage.base {
            Base::Scratch => {
                self.image = ImageState::scratch();
                self.key = Some("scratch".into());
            }
            Base::Stage(j) => {
                let out = self
                    .deps
                    .get(j)
                    .ok_or_else(|| fail(&label, format!("stage {j} was not built")))?;
                self.layers = out.layers.clone();
                self.image = out.image.clone();
                self.image.cmd_set = false;
                self.env = out.env.clone();
                self.key = out.key.clone();
            }
            Base::Image {
                resolved: Some(name),
                ..
            } => {
                let img = self.ctx.images.get(name).map_err(|e| fail(&label, e))?;
                self.layers = vec![self
                    .ctx
                    .store
                    .link_layer(&img.rootfs)
                    .map_err(|e| fail(&label, e.to_string()))?];
                self.image = ImageState::from_config(&img.config);
                self.env = self.image.env();
                self.key = img.digest.as_ref().map(|d| format!("image:{d}"));
            }
            Base::Image {
                raw,
                resolved: None,
            } => {
                return Err(fail(
                    &label,
                    format!("base name ({raw}) should not be blank"),
                ))
            }
            Base::Missing => return Err(fail(&label, "FROM requires an image")),
        }
        self.ctx
            .record(&self.name, &label, start_off, started, false);
        // ONBUILD triggers of the base run first, and are not inherited.
        let triggers = self.image.onbuild();
        self.image.fields.remove("OnBuild");
        for t in triggers {
            let ast = crate::syntax::parse(&t);
            if let Some(e) = ast.errors.first() {
                return Err(fail(&label, format!("ONBUILD {t}: {}", e.message)));
            }
            for inst in ast.instructions() {
                let text = format!("ONBUILD {t}");
                self.instruction(inst, &text, None)?;
            }
        }
        for &ii in &stage.body {
            if self.ctx.aborted() {
                return Err(fail(&self.name, "cancelled: another stage failed"));
            }
            self.step += 1;
            let inst = self.model.instruction(ii);
            let text = self.model.text[inst.span.start..inst.span.end].to_string();
            self.instruction(inst, &text, Some(ii))?;
        }
        Ok(StageOut {
            layers: self.layers,
            image: self.image,
            env: self.env,
            key: self.key,
        })
    }

    /// `FROM --platform=P`: the engine builds for this machine's platform
    /// only (linux/amd64, as the automatic platform ARGs say). Another one
    /// is an error, never an image of the wrong platform.
    fn check_platform(&self, from: &Instruction, label: &str) -> Result<(), ExecError> {
        let Some(flag) = from.flag("platform") else {
            return Ok(());
        };
        let raw = flag.value.as_deref().unwrap_or_default();
        // As the base image's name: the global ARGs (and the automatic
        // ones), with the build arguments given.
        let value = self
            .model
            .scope
            .expand_global(raw, self.model.ast.escape)
            .ok_or_else(|| fail(label, format!("failed to process \"{raw}\"")))?;
        let platform = value.trim().to_ascii_lowercase();
        if matches!(platform.as_str(), "linux/amd64" | "linux/amd64/v1") {
            return Ok(());
        }
        let shown = if value == raw {
            format!("`{raw}`")
        } else {
            format!("`{raw}` (`{value}`)")
        };
        Err(fail(
            label,
            format!(
                "FROM --platform={shown}: the embedded engine builds for linux/amd64 only; build other platforms with `--engine buildkit`"
            ),
        ))
    }

    fn instruction(
        &mut self,
        inst: &Instruction,
        text: &str,
        ii: Option<usize>,
    ) -> Result<(), ExecError> {
        self.current = ii;
        let label = self.label(text);
        let unsupported_flag = |allowed: &[&str]| -> Result<(), ExecError> {
            match inst
                .flags
                .iter()
                .find(|f| !allowed.contains(&f.name.as_str()))
            {
                Some(f) => Err(fail(
                    &label,
                    format!(
                        "{} --{}: not supported by the embedded engine yet",
                        inst.kind().as_str(),
                        f.name
                    ),
                )),
                None => Ok(()),
            }
        };
        match inst.kind() {
            Kind::Arg => self.arg(inst, &label),
            Kind::Env => {
                let pairs = self.pairs(inst, &label)?;
                for (k, v) in pairs {
                    config::set_env(&mut self.env, &k, &v);
                    self.image.set_env(&k, &v);
                }
                Ok(())
            }
            Kind::Label => {
                let labels: BTreeMap<String, String> =
                    self.pairs(inst, &label)?.into_iter().collect();
                self.image.add_labels(labels);
                Ok(())
            }
            Kind::Workdir => self.workdir(inst, &label),
            Kind::User => {
                let u = self.expand(&text_arg(inst), &label)?;
                self.image.set("User", json!(u));
                Ok(())
            }
            Kind::StopSignal => {
                let s = self.expand(&text_arg(inst), &label)?;
                self.image.set("StopSignal", json!(s));
                Ok(())
            }
            Kind::Shell => match &inst.args {
                Args::Exec(w) => {
                    self.image.set(
                        "Shell",
                        json!(w.iter().map(|w| w.text.clone()).collect::<Vec<_>>()),
                    );
                    Ok(())
                }
                _ => Err(fail(
                    &label,
                    "SHELL requires the arguments to be in JSON form",
                )),
            },
            Kind::Cmd => {
                let args = self.command(&inst.args);
                self.image.set_cmd(args);
                Ok(())
            }
            Kind::Entrypoint => {
                let args = self.command(&inst.args);
                self.image.set_entrypoint(args);
                Ok(())
            }
            Kind::Expose => {
                let mut words = Vec::new();
                for w in inst.words() {
                    words.extend(self.expand_words(&w.text, &label)?);
                }
                let ports = config::ports(&words).map_err(|e| fail(&label, e))?;
                self.image.add_keys("ExposedPorts", ports);
                Ok(())
            }
            Kind::Volume => {
                let mut vols = Vec::new();
                for w in inst.words() {
                    let v = self.expand(&w.text, &label)?;
                    if v.is_empty() {
                        return Err(fail(&label, "VOLUME specified can not be an empty string"));
                    }
                    vols.push(v);
                }
                self.image.add_keys("Volumes", vols);
                Ok(())
            }
            Kind::Healthcheck => self.healthcheck(inst, &label),
            Kind::Onbuild => {
                let kw_end = inst.keyword.span.end;
                let rest = text
                    .get(kw_end - inst.span.start..)
                    .unwrap_or_default()
                    .trim();
                self.image.add_onbuild(rest.to_string());
                Ok(())
            }
            Kind::Maintainer => Ok(()),
            Kind::Run => {
                unsupported_flag(&["mount", "network"])?;
                self.run_step(inst, &label, text)
            }
            Kind::Copy | Kind::Add => {
                let allowed: &[&str] = if inst.kind() == Kind::Copy {
                    &["from", "chown", "chmod", "link"]
                } else {
                    &["chown", "chmod", "link"]
                };
                unsupported_flag(allowed)?;
                self.copy(inst, &label, ii)
            }
            Kind::From | Kind::Unknown => Err(fail(
                &label,
                format!("unknown instruction: {}", inst.keyword.text),
            )),
        }
    }

    /// `key=value` pairs with keys and values expanded against the environment before the instruction.
    fn pairs(&self, inst: &Instruction, label: &str) -> Result<Vec<(String, String)>, ExecError> {
        let mut out = Vec::new();
        for kv in crate::model::pairs(inst) {
            let k = self.expand(&kv.key.text, label)?;
            let v = match &kv.value {
                Some(v) => self.expand(&v.text, label)?,
                None => String::new(),
            };
            out.push((k, v));
        }
        Ok(out)
    }

    fn arg(&mut self, inst: &Instruction, label: &str) -> Result<(), ExecError> {
        for kv in crate::model::pairs(inst) {
            let name = kv.key.text.clone();
            let value = if let Some(v) = self.ctx.build_args.get(&name) {
                Some(v.clone())
            } else if let Some(v) = &kv.value {
                Some(self.expand(&v.text, label)?)
            } else {
                self.ctx
                    .global_args
                    .iter()
                    .rev()
                    .find(|(n, _)| *n == name)
                    .and_then(|(_, v)| v.clone())
            };
            if let Some(v) = value {
                config::set_env(&mut self.env, &name, &v);
            }
        }
        Ok(())
    }

    /// CMD/ENTRYPOINT/HEALTHCHECK arguments: exec form as is, shell form in the SHELL.
    fn command(&self, args: &Args) -> Vec<String> {
        match args {
            Args::Exec(w) => w.iter().map(|w| w.text.clone()).collect(),
            Args::Shell(w) => {
                let mut s = self.image.shell();
                s.push(w.text.clone());
                s
            }
            _ => Vec::new(),
        }
    }

    fn workdir(&mut self, inst: &Instruction, label: &str) -> Result<(), ExecError> {
        let p = self.expand(&text_arg(inst), label)?;
        let wd = if p.starts_with('/') {
            super::rootpath::clean(&p)
        } else {
            super::rootpath::clean(&format!("{}/{p}", self.image.workdir()))
        };
        self.image.set("WorkingDir", json!(wd));
        if wd != "/" {
            let op = Op::Mkdir {
                path: wd,
                user: self.image.str("User"),
            };
            self.sandbox(label, op, Some(String::new()))?;
        }
        Ok(())
    }

    fn healthcheck(&mut self, inst: &Instruction, label: &str) -> Result<(), ExecError> {
        let Args::Healthcheck { mode, cmd } = &inst.args else {
            return Err(fail(label, "HEALTHCHECK: missing arguments"));
        };
        if mode.text.eq_ignore_ascii_case("none") {
            self.image.set("Healthcheck", json!({"Test": ["NONE"]}));
            return Ok(());
        }
        let test: Vec<String> = match &**cmd {
            Args::Exec(w) => std::iter::once("CMD".to_string())
                .chain(w.iter().map(|w| w.text.clone()))
                .collect(),
            Args::Shell(w) => vec!["CMD-SHELL".into(), w.text.clone()],
            _ => return Err(fail(label, "HEALTHCHECK CMD: missing command")),
        };
        let mut hc = serde_json::Map::new();
        hc.insert("Test".into(), json!(test));
        for (flag, field) in [
            ("interval", "Interval"),
            ("timeout", "Timeout"),
            ("start-period", "StartPeriod"),
            ("start-interval", "StartInterval"),
        ] {
            if let Some(v) = inst.flag(flag).and_then(|f| f.value.clone()) {
                let ns = config::go_duration(&v).map_err(|e| fail(label, e))?;
                if ns > 0 {
                    hc.insert(field.into(), json!(ns));
                }
            }
        }
        if let Some(v) = inst.flag("retries").and_then(|f| f.value.clone()) {
            let n: i64 = v
                .parse()
                .map_err(|_| fail(label, format!("invalid retries: {v}")))?;
            if n != 0 {
                hc.insert("Retries".into(), json!(n));
            }
        }
        self.image.set("Healthcheck", serde_json::Value::Object(hc));
        Ok(())
    }

    /// Run `op` in the sandbox on a new layer over the stage so far.
    /// `inputs`: what else the step reads, for the step cache (`None`: not cacheable).
    pub(super) fn sandbox(
        &mut self,
        label: &str,
        mut op: Op,
        inputs: Option<String>,
    ) -> Result<(), ExecError> {
        let store = &self.ctx.store;
        let io = |e: std::io::Error| fail(label, format!("the work folder: {e}"));
        let key = match (&self.key, inputs, self.ctx.cache) {
            (Some(parent), Some(inputs), true) => {
                let mut view = op.clone();
                if let Op::Copy(c) = &mut view {
                    c.from = CopyFrom::Dir(Default::default());
                }
                let json = serde_json::to_string(&view).unwrap_or_default();
                Some(super::cache::key(&[parent, &json, &inputs]))
            }
            _ => None,
        };
        if let Some(hit) = key.as_deref().and_then(super::cache::lookup) {
            let started = Instant::now();
            let start_off = self.ctx.now();
            let id = store.link_layer(&hit).map_err(io)?;
            self.layers.push(id);
            self.key = key;
            let name = format!("{label} (cached)");
            self.ctx.record(&self.name, &name, start_off, started, true);
            return Ok(());
        }
        let layer = store.new_layer().map_err(io)?;
        if let (true, Op::Run(r)) = (self.ctx.tracing(), &mut op) {
            r.reads = Some(layer.spec.with_extension("reads"));
        }
        let spec = super::spec::Spec {
            root: store.root.clone(),
            lowers: self.layers.iter().rev().cloned().collect(),
            upper: Some((layer.id.clone(), layer.work.clone())),
            merged: layer.merged.clone(),
            op,
        };
        let started = Instant::now();
        let start_off = self.ctx.now();
        self.ctx.progress(label);
        let outcome = super::sandbox::spawn(&spec, &layer.spec, &mut |_| {});
        store.finish(&layer);
        self.ctx
            .record(&self.name, label, start_off, started, false);
        let outcome = outcome.map_err(|e| fail(label, e))?;
        if outcome.code != 0 {
            let own: Vec<&str> = outcome
                .tail
                .iter()
                .filter_map(|l| l.strip_prefix(super::sandbox::HELPER_ERROR))
                .collect();
            let message = if outcome.code == super::sandbox::HELPER_FAILED && !own.is_empty() {
                own.join("\n")
            } else {
                let what = match &spec.op {
                    Op::Run(r) => format!("process {:?}", r.argv.join(" ")),
                    _ => "the step".into(),
                };
                let mut m = format!(
                    "{what} did not complete successfully: exit code: {}",
                    outcome.code
                );
                if !outcome.tail.is_empty() {
                    m = format!("{}\n{m}", outcome.tail.join("\n"));
                }
                m
            };
            return Err(fail(label, message));
        }
        // A step that changed nothing leaves no layer.
        let upper = store.abs(&layer.id);
        if let (true, Op::Run(r)) = (self.ctx.tracing(), &spec.op) {
            let lowers: Vec<std::path::PathBuf> =
                self.layers.iter().rev().map(|l| store.abs(l)).collect();
            let (written, deleted) = super::trace::changes(&upper, &lowers, &r.cwd);
            let read = match r.reads.as_deref().map(std::fs::read) {
                Some(Ok(json)) => serde_json::from_slice(&json).unwrap_or_default(),
                _ => Vec::new(),
            };
            self.ctx.record_trace(crate::exec::StepTrace {
                stage: self.name.clone(),
                instruction: self.current,
                step: label.to_string(),
                seconds: started.elapsed().as_secs_f64(),
                read,
                wrote: written.iter().map(|(p, _)| p.clone()).collect(),
                deleted,
                written,
            });
        }
        if std::fs::read_dir(&upper)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
        {
            let _ = std::fs::remove_dir(&upper);
        } else if let Some(kept) = key.as_deref().and_then(|k| super::cache::store(k, &upper)) {
            // The layer now lives in the cache; the build reads it through a link.
            self.layers.push(store.link_layer(&kept).map_err(io)?);
        } else {
            self.layers.push(layer.id);
        }
        self.key = key;
        Ok(())
    }

    fn run_step(&mut self, inst: &Instruction, label: &str, _text: &str) -> Result<(), ExecError> {
        let (argv, pipes) =
            super::run::argv(inst, &self.image.shell()).map_err(|e| fail(label, e))?;
        let mut network_host = self.ctx.network_host;
        if let Some(n) = inst.flag("network").and_then(|f| f.value.clone()) {
            match n.as_str() {
                "host" => network_host = true,
                "none" => network_host = false,
                "default" => {}
                other => {
                    return Err(fail(
                        label,
                        format!("RUN --network={other}: not supported (none, host or default)"),
                    ))
                }
            }
        }
        let cacheable = inst.flags_named("mount").next().is_none();
        let mut mounts = Vec::new();
        for f in inst.flags_named("mount") {
            let value = f.value.clone().unwrap_or_default();
            let value = self.expand(&value, label)?;
            mounts.push(super::run::mount(self, &value).map_err(|e| fail(label, e))?);
        }
        let mut env: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !self.env.iter().any(|(k, _)| k == "PATH") {
            env.push(format!("PATH={}", config::DEFAULT_PATH));
        }
        let op = Op::Run(RunSpec {
            argv,
            env,
            cwd: self.image.workdir(),
            user: self.image.str("User"),
            network_host,
            hosts: self.ctx.hosts.clone(),
            mounts,
            pipes,
            reads: None,
        });
        self.sandbox(label, op, cacheable.then(String::new))
    }

    /// The layers of a stage or image named by `--from` / `from=`.
    pub(super) fn source_layers(
        &self,
        ii: Option<usize>,
        kind: RefKind,
        name: &str,
        label: &str,
    ) -> Result<(Vec<String>, Option<String>), ExecError> {
        let target = ii.and_then(|ii| {
            self.model
                .references
                .iter()
                .find(|r| {
                    r.instruction == ii && r.kind == kind && (r.resolved == name || r.raw == name)
                })
                .map(|r| r.target.clone())
        });
        let stage = match target {
            Some(RefTarget::Stage(j)) => Some(j),
            _ => self
                .model
                .stage_by_name(&name.to_ascii_lowercase())
                .or_else(|| name.parse::<usize>().ok().filter(|&j| j < self.index)),
        };
        if let Some(j) = stage {
            let out = self.deps.get(&j).ok_or_else(|| {
                fail(label, format!("stage {name} was not built before this one"))
            })?;
            return Ok((out.layers.iter().rev().cloned().collect(), out.key.clone()));
        }
        let img = self.ctx.images.get(name).map_err(|e| fail(label, e))?;
        let l = self
            .ctx
            .store
            .link_layer(&img.rootfs)
            .map_err(|e| fail(label, e.to_string()))?;
        Ok((vec![l], img.digest.as_ref().map(|d| format!("image:{d}"))))
    }

    fn copy(
        &mut self,
        inst: &Instruction,
        label: &str,
        ii: Option<usize>,
    ) -> Result<(), ExecError> {
        let add = inst.kind() == Kind::Add;
        let words = inst.words();
        if words.len() < 2 {
            return Err(fail(
                label,
                format!("{} requires at least two arguments", inst.kind().as_str()),
            ));
        }
        let mut sources = Vec::new();
        for w in &words[..words.len() - 1] {
            sources.push(self.expand(&w.text, label)?);
        }
        let dest_raw = self.expand(&words[words.len() - 1].text, label)?;
        let flag = |n: &str| inst.flag(n).and_then(|f| f.value.clone());
        let chown = match flag("chown") {
            Some(c) => Some(self.expand(&c, label)?),
            None => None,
        };
        let chmod = match flag("chmod") {
            Some(c) => {
                let c = self.expand(&c, label)?;
                let m = u32::from_str_radix(&c, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| fail(label, format!("invalid chmod parameter: '{c}'. it should be octal string and between 0 and 07777")))?;
                Some(m)
            }
            None => None,
        };
        // Heredoc sources (`COPY <<EOF /dest`) become files of a folder of their own.
        let (heredocs, files): (Vec<String>, Vec<String>) = sources
            .into_iter()
            .partition(|s| s.starts_with("<<") && !inst.heredocs.is_empty());
        if files.len() + heredocs.len() > 1 && !dest_raw.ends_with('/') {
            return Err(fail(label, format!("When using {} with more than one source file, the destination must be a directory and end with a /", inst.kind().as_str())));
        }
        let dest = if dest_raw.starts_with('/') {
            dest_raw.clone()
        } else {
            let wd = self.image.workdir();
            let joined = format!("{}/{dest_raw}", wd.trim_end_matches('/'));
            if dest_raw.ends_with('/') || dest_raw == "." || dest_raw.ends_with("/.") {
                format!("{}/", super::rootpath::clean(&joined).trim_end_matches('/'))
            } else {
                super::rootpath::clean(&joined)
            }
        };
        for s in &files {
            if add
                && (s.starts_with("http://")
                    || s.starts_with("https://")
                    || s.starts_with("git@")
                    || s.contains(".git#"))
            {
                return Err(fail(
                    label,
                    format!("ADD {s}: remote sources are not supported by the embedded engine yet"),
                ));
            }
        }
        let from = match flag("from") {
            Some(f) => {
                let name = self.expand(&f, label)?;
                Some(self.source_layers(ii, RefKind::CopyFrom, &name, label)?)
            }
            None => None,
        };
        if !files.is_empty() {
            let inputs = match &from {
                Some((_, key)) => key.clone(),
                None => Some(self.ctx.context_digest().to_string()),
            };
            let spec = CopySpec {
                from: match &from {
                    Some((l, _)) => CopyFrom::Layers(l.clone()),
                    None => CopyFrom::Dir(self.ctx.context.clone()),
                },
                sources: files,
                dest: dest.clone(),
                chown: chown.clone(),
                chmod,
                reset_owner: from.is_none(),
                ignore: if from.is_none() {
                    self.ctx.ignore.clone()
                } else {
                    None
                },
                unpack: add,
            };
            self.sandbox(label, Op::Copy(spec), inputs)?;
        }
        if !heredocs.is_empty() {
            let dir = self
                .ctx
                .store
                .new_dir()
                .map_err(|e| fail(label, e.to_string()))?;
            let mut names = Vec::new();
            for h in &heredocs {
                let name = h
                    .trim_start_matches("<<")
                    .trim_start_matches('-')
                    .trim_matches(['"', '\'']);
                let Some(doc) = inst.heredocs.iter().find(|d| d.name == name) else {
                    return Err(fail(label, format!("no heredoc named {name}")));
                };
                let mut data = doc.content.clone();
                if doc.chomp {
                    data = super::run::chomp(&data);
                }
                if doc.expand {
                    let mut lx = Lexer::new(self.model.ast.escape);
                    lx.raw_quotes = true;
                    lx.raw_escapes = true;
                    data = lx
                        .process_word(&data, &self.env)
                        .map(|e| e.value)
                        .map_err(|e| fail(label, e.to_string()))?;
                }
                let p = dir.join(name);
                std::fs::write(&p, data).map_err(|e| fail(label, e.to_string()))?;
                let _ = super::sys::chmod(&p, 0o644);
                names.push(format!("/{name}"));
            }
            let spec = CopySpec {
                from: CopyFrom::Dir(Default::default()),
                sources: names,
                dest,
                chown,
                chmod,
                reset_owner: true,
                ignore: None,
                unpack: false,
            };
            let inputs = super::cache::tree_digest(&dir, None);
            let spec = CopySpec {
                from: CopyFrom::Dir(dir),
                ..spec
            };
            self.sandbox(label, Op::Copy(spec), Some(inputs))?;
        }
        Ok(())
    }
}

/// The text argument of USER, WORKDIR, STOPSIGNAL.
fn text_arg(inst: &Instruction) -> String {
    match &inst.args {
        Args::Text(w) | Args::Shell(w) => w.text.clone(),
        Args::List(w) | Args::Exec(w) => w
            .iter()
            .map(|w| w.text.clone())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}
