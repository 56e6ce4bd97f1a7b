//! What one RUN step reads, writes and deletes, from its shell program and
//! the command models.

use std::collections::BTreeMap;

use super::coreutils;
use super::models::{self, CommandModel, Cost, Kind, What};
use super::paths::{glob_root, resolve, PathRef};
use crate::model::expand::{Env, Lexer};
use crate::model::{mount_fields, Model};
use crate::shell::{Command, RedirectOp, ShWord};
use crate::syntax::Kind as IKind;

mod files;
mod install;
use files::exact_command;
pub use install::{Install, PACKAGE_TREES};

/// The effects of one step, or why they are not known.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub reads: Vec<PathRef>,
    pub writes: Vec<PathRef>,
    pub deletes: Vec<PathRef>,
    /// Directories that must exist for the step to work (a file's folder,
    /// `cd`, `tar -C`): a step that may create one of them comes first.
    pub needs: Vec<String>,
    /// Directories the step may create (`mkdir -p` makes every missing
    /// parent too).
    pub creates: Vec<String>,
    /// The programs the step runs (each name under every `PATH` entry): read
    /// like files, shown apart.
    pub programs: Vec<PathRef>,
    /// Estimated seconds.
    pub cost: f64,
    /// The part of `cost` that keeps a core busy (compression, compilers);
    /// the rest is waiting (`sleep`, downloads).
    pub cpu: f64,
    /// Why the step cannot move: unknown effects (reads and writes everything).
    pub opaque: Option<String>,
    /// Why the step's effects, though known, cannot be carried by
    /// `COPY --from` (it may still stay in the final stage).
    pub unsplittable: Vec<String>,
    /// Cache mounts (`id`, else target) the step shares with other steps.
    pub caches: Vec<String>,
    /// What each command did, for `explain-deps`.
    pub notes: Vec<String>,
    /// What the step leaves behind, in the order the commands do it.
    pub events: Vec<Event>,
    /// For an opaque step: paths that commands after the one rdock could
    /// not follow surely delete (a plain `rm` of a path it can resolve, or
    /// of a pattern, kept as written: see `paths::deletion_touches`). Not
    /// a complete list, and not used to move anything: it only tells a
    /// split that a file it would copy is deleted later in the same RUN.
    pub deletes_later: Vec<PathRef>,
    /// For an opaque step: the command without an effect model that made it
    /// so (`explain-deps` asks what a model of it would let RD501 split).
    pub unmodelled: Option<String>,
    /// The packages the step installs or removes ([`Install`]): it writes
    /// and reads [`PACKAGE_TREES`] and never splits off.
    pub install: Option<Install>,
}

/// One change a step makes to the filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A regular file whose content the step writes (created, replaced or
    /// changed in place). A tree `PathRef` is a whole tree of files.
    Write(PathRef),
    /// A directory `mkdir` (or `install -d`, `git clone`) makes. `plain`: with
    /// the default mode and no owner given. `fresh`: it cannot have existed
    /// before (`mkdir` without `-p` fails on an existing one).
    MakeDir {
        path: PathRef,
        plain: bool,
        fresh: bool,
    },
    /// Mode, owner or times of an existing path changed.
    Meta(PathRef),
    /// A symbolic link (`target` when known) or a hard link made at `path`.
    Link {
        path: PathRef,
        target: Option<String>,
        hard: bool,
    },
    Delete(PathRef),
}

/// The folder `p` is in (`/` for `/` itself).
pub fn parent(p: &str) -> String {
    match p.rsplit_once('/') {
        Some((d, _)) if !d.is_empty() => d.to_string(),
        _ => "/".to_string(),
    }
}

impl Effects {
    fn need(&mut self, dir: String) {
        if dir != "/" && !self.needs.contains(&dir) {
            self.needs.push(dir);
        }
    }
    fn write(&mut self, p: PathRef) {
        self.need(parent(&p.path));
        self.events.push(Event::Write(p.clone()));
        self.writes.push(p);
    }
    fn delete(&mut self, p: PathRef) {
        self.events.push(Event::Delete(p.clone()));
        self.deletes.push(p);
    }
    fn make_dir(&mut self, p: PathRef, plain: bool, fresh: bool) {
        if fresh {
            self.need(parent(&p.path));
            self.creates.push(p.path.clone());
        } else {
            let mut d = p.path.clone();
            while d != "/" {
                if !self.creates.contains(&d) {
                    self.creates.push(d.clone());
                }
                d = parent(&d);
            }
        }
        self.events.push(Event::MakeDir {
            path: p.clone(),
            plain,
            fresh,
        });
        self.writes.push(p);
    }
    fn meta(&mut self, p: PathRef) {
        self.need(parent(&p.path));
        self.events.push(Event::Meta(p.clone()));
        self.writes.push(p);
    }
    fn link(&mut self, p: PathRef, target: Option<String>, hard: bool) {
        self.need(parent(&p.path));
        self.events.push(Event::Link {
            path: p.clone(),
            target,
            hard,
        });
        self.writes.push(p);
    }
}

impl Effects {
    fn opaque(reason: impl Into<String>) -> Effects {
        Effects {
            opaque: Some(reason.into()),
            ..Effects::default()
        }
    }
}

/// Base images known to set neither WORKDIR nor USER (their processes start
/// in `/`, as root): the operating-system images of Docker Hub. Any other
/// image may set them (`golang` has `/go`, many images a user of their
/// own), which rdock cannot see.
const OS_IMAGES: [&str; 13] = [
    "alpine",
    "buildpack-deps",
    "debian",
    "ubuntu",
    "busybox",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "archlinux",
    "oraclelinux",
    "opensuse/leap",
];

/// Docker Hub's namespaces for the official images built for one
/// architecture.
const ARCH_NAMESPACES: [&str; 10] = [
    "amd64", "arm32v5", "arm32v6", "arm32v7", "arm64v8", "i386", "mips64le", "ppc64le", "riscv64",
    "s390x",
];

/// Whether the stage chain of instruction `ii` starts in `/` as root: built
/// from `scratch`, or from one of [`OS_IMAGES`].
fn starts_in_root(model: &Model<'_>, ii: usize) -> bool {
    let Some(stage) = model.instructions.get(ii).and_then(|i| i.stage) else {
        return false;
    };
    let Some(first) = model.base_chain(stage).last() else {
        return false;
    };
    match &model.stages[first].base {
        crate::model::Base::Scratch => true,
        crate::model::Base::Image { raw, resolved } => crate::model::image::repository_of(
            resolved.as_deref().unwrap_or(raw),
        )
        .is_some_and(|(registry, path)| {
            // The per-architecture copies of the official images
            // (`arm64v8/debian`) are the same images.
            let name = path
                .split_once('/')
                .filter(|(arch, _)| ARCH_NAMESPACES.contains(arch))
                .map_or(path.as_str(), |(_, name)| name);
            registry == crate::model::image::DOCKER_HUB && OS_IMAGES.contains(&name)
        }),
        _ => false,
    }
}

/// The working directory instruction `ii` runs in (WORKDIR resolved). With
/// no WORKDIR in the stage chain: `/` when the chain starts in `/`
/// ([`starts_in_root`]), else the empty string, a folder rdock cannot see
/// (relative paths do not resolve then). `None` when a WORKDIR cannot be
/// resolved.
pub fn workdir_at(model: &Model<'_>, ii: usize) -> Option<String> {
    let workdirs: Vec<(usize, usize)> = model.inherited_of_kind(ii, IKind::Workdir).collect();
    let mut cwd = "/".to_string();
    if workdirs.is_empty() && !starts_in_root(model, ii) {
        return Some(String::new());
    }
    for &(st, i) in workdirs.iter().rev() {
        let raw = model.instruction(i).args_text.trim();
        let value = model.scope.expand_at(i, st, raw, model.ast.escape)?;
        cwd = resolve(&cwd, &value)?;
    }
    Some(cwd)
}

/// The user instruction `ii` runs as: the last USER before it (`root` by default).
pub fn user_at(model: &Model<'_>, ii: usize) -> String {
    model
        .inherited_of_kind(ii, IKind::User)
        .map(|(_, i)| model.instruction(i))
        .next()
        .map_or_else(|| "root".into(), |u| u.args_text.trim().to_string())
}

/// Whether instruction `ii` runs as root: `Some(true)` for a `USER root` (or
/// `0`) before it or a stage built from `scratch` or an operating-system
/// image ([`OS_IMAGES`]) without one, `Some(false)` for another user, `None`
/// when another base image decides (rdock cannot see its configuration).
pub fn runs_as_root(model: &Model<'_>, ii: usize) -> Option<bool> {
    if let Some(u) = model
        .inherited_of_kind(ii, IKind::User)
        .map(|(_, i)| model.instruction(i))
        .next()
    {
        let user = u.args_text.trim();
        let name = user.split(':').next().unwrap_or(user);
        return Some(matches!(name, "root" | "0"));
    }
    starts_in_root(model, ii).then_some(true)
}

/// BuildKit's `PATH` when neither the image nor the file sets one.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Shell variables the script sets, over the stage's ENV and ARGs.
#[derive(Clone)]
struct Vars<'a> {
    model: &'a Model<'a>,
    ii: usize,
    stage: usize,
    local: BTreeMap<String, String>,
    /// Names the script exported (a child shell sees them).
    exported: Vec<String>,
    /// Inside `sh -c`: only exported names and the stage's ENV/ARG are seen.
    child: bool,
}

impl Env for Vars<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.local.get(name) {
            if !self.child || self.exported.iter().any(|e| e == name) {
                return Some(v);
            }
        }
        let d = self.model.scope.lookup(Some(self.stage), self.ii, name)?;
        d.value.as_deref()
    }
}

struct Ctx<'a> {
    vars: Vars<'a>,
    cwd: String,
    fx: Effects,
    /// Directories known to be directories here: the working directory,
    /// `/`, and those this step made.
    dirs: Vec<String>,
    /// Inside a command whose own effects are uncertain (`sh -c` under `||`).
    outer_uncertain: bool,
    /// How deep `sh -c` nests.
    depth: usize,
    /// The operands of the `echo` whose output the command reads on its
    /// standard input (`echo "$SUM  f" | sha256sum -c -`), when it is one.
    stdin_echo: Option<Vec<ShWord>>,
}

impl Ctx<'_> {
    /// The value of a shell word, variables expanded; `None` when it cannot be known.
    fn value(&self, w: &ShWord) -> Option<String> {
        if let Some(l) = &w.lit {
            return Some(l.clone());
        }
        if w.raw.contains("$(") || w.raw.contains('`') || w.raw.contains("$((") {
            return None;
        }
        let exp = Lexer::new('\\').process_word(&w.raw, &self.vars).ok()?;
        if exp.references.iter().any(|r| !r.set && !r.has_default) {
            return None;
        }
        Some(exp.value)
    }

    fn text(&self, w: &ShWord) -> Result<String, String> {
        self.value(w)
            .ok_or_else(|| format!("cannot resolve `{}`", w.raw))
    }

    fn path(&mut self, w: &ShWord, tree: bool) -> Result<PathRef, String> {
        let v = self.text(w)?;
        let v = if v == "-" {
            "/dev/stdout".to_string()
        } else {
            v
        };
        if v.starts_with('~') {
            return Err(format!("cannot resolve `{}`", w.raw));
        }
        let (root, glob) = glob_root(&v);
        let p = resolve(&self.cwd, if root.is_empty() { "." } else { &root })
            .ok_or_else(|| self.unresolved(&v))?;
        Ok(PathRef::new(p, tree || glob))
    }

    /// Why `path` does not resolve.
    pub(super) fn unresolved(&self, path: &str) -> String {
        if self.cwd.is_empty() && !path.starts_with('/') {
            format!("writes or reads `{path}` in the working directory the base image sets, which rdock cannot see (a `WORKDIR` before the steps settles it)")
        } else {
            format!("path `{path}` leaves /")
        }
    }

    /// A path that must name one file exactly (no glob): what a command writes.
    fn exact(&mut self, w: &ShWord) -> Result<PathRef, String> {
        let p = self.path(w, false)?;
        let v = self.text(w)?;
        if p.tree || v.contains(['*', '?', '[']) {
            return Err(format!("writes `{v}`, a pattern rdock does not expand"));
        }
        Ok(p)
    }

    fn is_dir(&self, p: &str) -> bool {
        p == "/" || self.dirs.iter().any(|d| d == p)
    }

    /// Where a file copied into `dst` lands: `dst/NAME` when `dst` is a
    /// directory (a trailing `/`, `-t`, or one this step made), `dst` itself
    /// with `-T`; otherwise it cannot be told (`None`).
    fn landing(
        &mut self,
        dst: &ShWord,
        name: &str,
        into: Option<bool>,
    ) -> Result<Option<PathRef>, String> {
        let text = self.text(dst)?;
        let d = self.exact(dst)?;
        let into = into.or_else(|| (text.ends_with('/') || self.is_dir(&d.path)).then_some(true));
        Ok(match into {
            Some(true) => Some(PathRef::new(
                resolve(&d.path, name).ok_or("a name that leaves /")?,
                false,
            )),
            Some(false) => Some(d),
            None => None,
        })
    }

    fn uncertain(&self, cmd: &Command) -> bool {
        self.outer_uncertain || cmd.ctx.optional || !cmd.ctx.must_succeed || cmd.ctx.background
    }
}

/// The effects of RUN instruction `ii`; `extra` models (the user's) are tried first.
pub fn run_effects(model: &Model<'_>, ii: usize, extra: &[CommandModel]) -> Effects {
    let inst = model.instruction(ii);
    let Some(stage) = model.instructions[ii].stage else {
        return Effects::opaque("not in a stage");
    };
    if !model.posix_shell_at(ii) {
        return Effects::opaque("runs under a shell that is not POSIX (SHELL or a Windows base)");
    }
    let mut caches = Vec::new();
    for f in inst.flags_named("mount") {
        let (Some(v), Some(span)) = (&f.value, f.value_span) else {
            continue;
        };
        let fields = mount_fields(v, span);
        let field = |k: &[&str]| {
            fields
                .iter()
                .find(|x| k.contains(&x.key.as_str()))
                .map(|x| x.value.clone())
        };
        let is_cache = field(&["type"]).as_deref() == Some("cache");
        if is_cache && field(&["sharing"]).as_deref() == Some("locked") {
            return Effects::opaque(
                "has a `sharing=locked` cache mount, which makes parallel stages wait for each other",
            );
        }
        if is_cache {
            if let Some(id) = field(&["id"]).or_else(|| field(&["target", "dst", "destination"])) {
                caches.push(id);
            }
        }
    }
    if inst
        .flags_named("security")
        .any(|f| f.value.as_deref() == Some("insecure"))
    {
        return Effects::opaque("runs with --security=insecure");
    }
    let Some(script) = model.script(ii) else {
        return Effects::opaque("has no shell body");
    };
    if let Some(e) = &script.error {
        return Effects::opaque(format!("its shell body does not parse: {}", e.message));
    }
    let Some(cwd) = workdir_at(model, ii) else {
        return Effects::opaque("its WORKDIR cannot be resolved");
    };
    let workdir = cwd.clone();
    let mut cx = Ctx {
        vars: Vars {
            model,
            ii,
            stage,
            local: BTreeMap::new(),
            exported: Vec::new(),
            child: false,
        },
        dirs: vec![cwd.clone()],
        cwd,
        fx: Effects::default(),
        outer_uncertain: false,
        depth: 0,
        stdin_echo: None,
    };
    cx.fx.caches = caches;
    let builtin = models::builtin();
    // Which command reads the output of an `echo` right before it in a pipeline.
    let mut echo_into: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &script.pipelines {
        for w in p.commands.windows(2) {
            if w[0] + 1 == w[1] && script.commands[w[0]].base_name() == Some("echo") {
                echo_into.insert(w[1], w[0]);
            }
        }
    }
    for (k, cmd) in script.commands.iter().enumerate() {
        let found = models::find(extra, cmd).or_else(|| models::find(builtin, cmd));
        cx.stdin_echo = echo_into
            .get(&k)
            .map(|&e| script.commands[e].args().to_vec());
        if let Err(reason) = command(&mut cx, found, cmd, extra) {
            let mut fx = Effects::opaque(reason);
            fx.cost = cx.fx.cost;
            fx.cpu = cx.fx.cpu;
            fx.deletes_later = deletions_after(&mut cx, &script.commands[k + 1..]);
            fx.notes = cx.fx.notes;
            fx.unmodelled = cx.fx.unmodelled;
            return fx;
        }
    }
    // What happens under a `--mount` target (cache, tmpfs, bind, secret) stays
    // out of the image; `/dev` is not part of it either.
    let mut mounts: Vec<PathRef> = vec![PathRef::new("/dev".into(), true)];
    for f in inst.flags_named("mount") {
        let (Some(v), Some(span)) = (&f.value, f.value_span) else {
            continue;
        };
        let fields = mount_fields(v, span);
        let target = fields
            .iter()
            .find(|x| matches!(x.key.as_str(), "target" | "dst" | "destination"))
            .and_then(|t| resolve(&cx.cwd, &t.value));
        if let Some(t) = target {
            mounts.push(PathRef::new(t, true));
        }
    }
    let outside = |p: &PathRef| !mounts.iter().any(|m| p.covered_by(m));
    cx.fx.reads.retain(outside);
    cx.fx.programs.retain(outside);
    cx.fx.writes.retain(outside);
    cx.fx.deletes.retain(outside);
    cx.fx.events.retain(|e| match e {
        Event::Write(p) | Event::Delete(p) | Event::Meta(p) => outside(p),
        Event::MakeDir { path, .. } | Event::Link { path, .. } => outside(path),
    });
    // The working directory and its parents exist before the step (WORKDIR
    // makes them): `mkdir -p` does not make them.
    let workdir = workdir.clone();
    cx.fx
        .creates
        .retain(|c| !crate::parallel::paths::is_within(&workdir, c));
    // What the step makes itself it does not need from another step.
    let made: Vec<String> = cx
        .fx
        .creates
        .iter()
        .cloned()
        .chain(cx.fx.writes.iter().map(|w| w.path.clone()))
        .collect();
    cx.fx
        .needs
        .retain(|n| !made.contains(n) && outside(&PathRef::new(n.clone(), false)));
    for p in cx.fx.writes.iter().chain(&cx.fx.deletes) {
        if ["/proc", "/sys"]
            .iter()
            .any(|m| p.covered_by(&PathRef::new((*m).into(), true)))
        {
            let why = format!("touches {p}, which the container runtime mounts");
            cx.fx.unsplittable.push(why);
            break;
        }
    }
    cx.fx
}

/// The paths the plain `rm` commands among `cmds` delete, read after a
/// command rdock could not follow: only `rm` and `cd` are looked at, a `cd`
/// to a place that cannot be resolved ends the reading, and a command under
/// a condition or in a subshell deletes nothing for sure. What the skipped
/// commands did may make a path wrong; the answer is only used to refuse a
/// split (see [`Effects::deletes_later`]).
fn deletions_after(cx: &mut Ctx<'_>, cmds: &[Command]) -> Vec<PathRef> {
    let mut out = Vec::new();
    for cmd in cmds {
        let sure = !cx.uncertain(cmd) && !cmd.ctx.in_subshell;
        match cmd.base_name() {
            Some("cd") => {
                let Some(p) = cmd.args().first().filter(|_| sure) else {
                    break;
                };
                match cx.path(p, false) {
                    Ok(p) => cx.cwd = p.path,
                    Err(_) => break,
                }
            }
            Some("rm") if sure => {
                let Ok(p) = coreutils::parse(cmd.args(), &coreutils::RM) else {
                    continue;
                };
                let tree = p.has(&["-r", "-R", "--recursive"]);
                for o in &p.operands {
                    let Ok(text) = cx.text(o) else { continue };
                    if text.contains(['*', '?', '[']) {
                        // A pattern, kept whole: `paths::deletion_touches`
                        // matches it.
                        if let Some(d) = resolve(&cx.cwd, &text) {
                            out.push(PathRef::new(d, true));
                        }
                    } else if let Ok(d) = cx.path(o, tree) {
                        out.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn commands(cx: &mut Ctx<'_>, cmds: &[Command], extra: &[CommandModel]) -> Result<(), String> {
    let builtin = models::builtin();
    for cmd in cmds {
        let found = models::find(extra, cmd).or_else(|| models::find(builtin, cmd));
        command(cx, found, cmd, extra)?;
    }
    Ok(())
}

fn command(
    cx: &mut Ctx<'_>,
    found: Option<&CommandModel>,
    cmd: &Command,
    extra: &[CommandModel],
) -> Result<(), String> {
    // Effects of a command whose failure the RUN survives may not happen.
    let uncertain = cx.uncertain(cmd);
    // Assignments: `A=b` alone sets a shell variable.
    if cmd.words.is_empty() {
        for a in &cmd.assignments {
            match cx.value(&a.value) {
                Some(v) => {
                    cx.vars.local.insert(a.name.clone(), v);
                }
                None => {
                    cx.vars.local.remove(&a.name);
                }
            }
        }
    }
    for r in &cmd.redirects {
        let Some(t) = &r.target else { continue };
        match r.op {
            RedirectOp::Read => {
                let p = cx.path(t, false)?;
                cx.fx.reads.push(p);
            }
            RedirectOp::Write
            | RedirectOp::Clobber
            | RedirectOp::OutputAndError { append: false } => {
                if t.text().starts_with("/dev/") {
                    continue;
                }
                if uncertain {
                    return Err(format!("writes `{}` only under a condition", t.raw));
                }
                let p = cx.exact(t)?;
                cx.fx.notes.push(format!("`>` writes {p}"));
                cx.fx.write(p);
            }
            RedirectOp::Append
            | RedirectOp::ReadWrite
            | RedirectOp::OutputAndError { append: true } => {
                if t.text().starts_with("/dev/") {
                    continue;
                }
                if uncertain {
                    return Err(format!("writes `{}` only under a condition", t.raw));
                }
                let p = cx.exact(t)?;
                cx.fx.notes.push(format!("`>>` appends to {p}"));
                cx.fx.reads.push(p.clone());
                cx.fx.write(p);
            }
            _ => {}
        }
    }
    let Some(name) = cmd.base_name() else {
        if cmd.words.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "runs a command whose name cannot be known (`{}`)",
            cmd.words[0].raw
        ));
    };
    // Finding the program reads it: a step that runs `jq` depends on one
    // that writes /usr/local/bin/jq.
    program_reads(cx, cmd);
    match name {
        "cd" => {
            if cmd.ctx.in_subshell || uncertain {
                return Err("changes directory inside a subshell or under a condition".into());
            }
            let target = cmd.args().first().ok_or("runs `cd` without a directory")?;
            // Entering a directory needs it to exist, not its contents.
            let p = cx.path(target, false)?;
            cx.fx.need(p.path.clone());
            cx.dirs.push(p.path.clone());
            cx.cwd = p.path;
            return Ok(());
        }
        "export" | "local" | "declare" | "readonly" => {
            if cmd.ctx.in_subshell {
                return Ok(());
            }
            for w in cmd.args() {
                let t = w.text();
                if t.starts_with('-') {
                    continue;
                }
                let name = t.split_once('=').map_or(t, |(k, _)| k).to_string();
                if let Some((k, v)) = t.split_once('=') {
                    match cx.value(&ShWord {
                        raw: w.raw[w.raw.find('=').map_or(0, |i| i + 1)..].to_string(),
                        lit: crate::shell::literal(v),
                        span: w.span,
                    }) {
                        Some(v) => {
                            cx.vars.local.insert(k.to_string(), v);
                        }
                        None => {
                            cx.vars.local.remove(k);
                        }
                    }
                }
                if cmd.base_name() == Some("export") {
                    cx.vars.exported.push(name);
                }
            }
            return Ok(());
        }
        "set" | "unset" => {
            for w in cmd.args() {
                cx.vars.local.remove(w.text());
            }
            return Ok(());
        }
        "umask" | "source" | "." | "eval" | "exec" | "xargs" | "sudo" | "su" | "chroot" => {
            return Err(format!("runs `{name}`, whose effects rdock cannot follow"));
        }
        _ => {}
    }
    if models::find(extra, cmd).is_none() {
        if let Some(r) = exact_command(cx, name, cmd, uncertain, extra) {
            return r;
        }
    }
    let Some(model) = found else {
        cx.fx.unmodelled = Some(name.to_string());
        return Err(format!(
            "runs `{name}`, which has no effect model (rules/commands/*.toml)"
        ));
    };
    let c = cost(cx, model, cmd);
    cx.fx.cost += c;
    if model.cpu {
        cx.fx.cpu += c;
    }
    match model.kind {
        Kind::Pure => {}
        Kind::Install => install::effects(cx, model, cmd)?,
        Kind::Shared => {
            return Err(format!(
                "runs `{}`, which changes state every step shares",
                model.name
            ));
        }
        Kind::Fs => {
            let operands = models::operands(cmd, model);
            let apply = |sels: &[String], out: u8, cx: &mut Ctx<'_>| -> Result<(), String> {
                for sel in sels {
                    let s = models::parse_selector(sel)
                        .ok_or_else(|| format!("bad selector `{sel}`"))?;
                    for w in select(cx, &s.what, cmd, &operands)? {
                        let p = match w {
                            Sel::Word(w) => cx.path(&w, s.tree)?,
                            Sel::Cwd if cx.cwd.is_empty() => return Err(cx.unresolved(".")),
                            Sel::Cwd => PathRef::new(cx.cwd.clone(), s.tree),
                            Sel::Path(p) => {
                                let abs = resolve(&cx.cwd, &p).ok_or_else(|| cx.unresolved(&p))?;
                                PathRef::new(abs, s.tree)
                            }
                        };
                        // `-O -`: the command's output, not a file of the
                        // image (`/dev` is a mount of the build).
                        let device = p.path == "/dev" || p.path.starts_with("/dev/");
                        match out {
                            0 => cx.fx.reads.push(p),
                            1 if device => {}
                            1 => {
                                if uncertain {
                                    return Err(format!(
                                        "`{name}` writes {p} only under a condition"
                                    ));
                                }
                                cx.fx.notes.push(format!("`{}` writes {p}", model.name));
                                if p.tree {
                                    // A tree a tool fills: it makes the directory.
                                    cx.fx.make_dir(
                                        PathRef::new(p.path.clone(), false),
                                        true,
                                        false,
                                    );
                                }
                                cx.fx.write(p);
                            }
                            _ => {
                                if uncertain {
                                    return Err(format!(
                                        "`{name}` deletes {p} only under a condition"
                                    ));
                                }
                                cx.fx.notes.push(format!("`{}` deletes {p}", model.name));
                                cx.fx.delete(p);
                            }
                        }
                    }
                }
                Ok(())
            };
            apply(&model.reads, 0, cx)?;
            apply(&model.deletes, 2, cx)?;
            apply(&model.writes, 1, cx)?;
        }
    }
    Ok(())
}

/// Reading the program a command runs: `/dir/NAME` for every `PATH` entry,
/// or the path itself when the name has a `/`.
fn program_reads(cx: &mut Ctx<'_>, cmd: &Command) {
    let Some(name) = cmd.name() else { return };
    if name.contains('/') {
        if let Some(p) = resolve(&cx.cwd, name) {
            cx.fx.programs.push(PathRef::new(p, false));
        }
        return;
    }
    let path = cx
        .vars
        .get("PATH")
        .map(str::to_string)
        .unwrap_or_else(|| DEFAULT_PATH.to_string());
    for dir in path.split(':').filter(|d| d.starts_with('/')) {
        if let Some(p) = resolve(dir, name) {
            cx.fx.programs.push(PathRef::new(p, false));
        }
    }
}

enum Sel {
    Word(ShWord),
    Cwd,
    Path(String),
}

/// The value of a flag: `-o F`, `-oF`, `--output=F`, `--output F`.
fn flag_value<'c>(cmd: &'c Command, names: &[String]) -> Option<FlagVal<'c>> {
    let args = cmd.args();
    for (i, w) in args.iter().enumerate() {
        let t = w.text();
        for n in names {
            if t == n {
                return args.get(i + 1).map(FlagVal::Word);
            }
            if n.starts_with("--") {
                if let Some(v) = t.strip_prefix(n.as_str()).and_then(|r| r.strip_prefix('=')) {
                    return Some(FlagVal::Text(v.to_string(), w));
                }
            } else if n.len() == 2
                && !t.starts_with("--")
                && t.starts_with('-')
                && t.len() > 2
                && t.ends_with(&n[1..])
            {
                // A cluster ending with the flag: `-qO FILE`.
                return args.get(i + 1).map(FlagVal::Word);
            } else if n.len() == 2
                && t.starts_with(n.as_str())
                && t.len() > 2
                && !t.starts_with("--")
            {
                return Some(FlagVal::Text(t[2..].to_string(), w));
            }
        }
    }
    None
}

enum FlagVal<'c> {
    Word(&'c ShWord),
    Text(String, &'c ShWord),
}

fn select(
    cx: &mut Ctx<'_>,
    what: &What,
    cmd: &Command,
    operands: &[&ShWord],
) -> Result<Vec<Sel>, String> {
    let _ = &cx;
    Ok(match what {
        What::Cwd => vec![Sel::Cwd],
        What::Path(p) => vec![Sel::Path(p.clone())],
        What::RepoDir(n) => {
            let idx = if *n < 0 {
                operands.len() as i64 + n
            } else {
                *n
            };
            let Some(w) = usize::try_from(idx).ok().and_then(|i| operands.get(i)) else {
                return Ok(Vec::new());
            };
            let Some(url) = cx.value(w) else {
                return Err(format!("cannot resolve `{}`", w.raw));
            };
            let last = url
                .trim_end_matches('/')
                .rsplit(['/', ':'])
                .next()
                .unwrap_or("");
            let dir = last.strip_suffix(".git").unwrap_or(last);
            if dir.is_empty() {
                return Err(format!(
                    "cannot tell which directory `git clone {url}` creates"
                ));
            }
            vec![Sel::Path(dir.to_string())]
        }
        What::Operands { from, to } => {
            let len = operands.len() as i64;
            let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
            let a = norm(*from);
            let b = match to {
                None | Some(i64::MAX) => len,
                Some(t) => norm(*t),
            };
            if a >= b {
                return Ok(Vec::new());
            }
            operands[a as usize..b as usize]
                .iter()
                .map(|w| Sel::Word((*w).clone()))
                .collect()
        }
        What::Flag(names) | What::FlagOrCwd(names) => match flag_value(cmd, names) {
            Some(FlagVal::Word(w)) => vec![Sel::Word(w.clone())],
            // A value glued to its flag (`-oFILE`, `--output=FILE`) is a word of its own.
            Some(FlagVal::Text(v, w)) => vec![Sel::Word(ShWord {
                lit: crate::shell::literal(&v),
                raw: v,
                span: w.span,
            })],
            None if matches!(what, What::FlagOrCwd(_)) => vec![Sel::Cwd],
            None => Vec::new(),
        },
    })
}

fn cost(cx: &Ctx<'_>, model: &CommandModel, cmd: &Command) -> f64 {
    match &model.cost {
        None => 0.1,
        Some(Cost::Seconds(s)) => *s,
        Some(Cost::Expr(e)) => {
            let n: i64 = e
                .strip_prefix("operand:")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let ops = models::operands(cmd, model);
            let w = if n < 0 {
                ops.len()
                    .checked_sub(n.unsigned_abs() as usize)
                    .and_then(|i| ops.get(i))
            } else {
                ops.get(n as usize)
            };
            w.and_then(|w| cx.value(w))
                .map_or(1.0, |v| parse_seconds(&v))
        }
    }
}

/// `5`, `1.5`, `2m`, `1h`.
fn parse_seconds(v: &str) -> f64 {
    let (num, mult) = match v.chars().last() {
        Some('s') => (&v[..v.len() - 1], 1.0),
        Some('m') => (&v[..v.len() - 1], 60.0),
        Some('h') => (&v[..v.len() - 1], 3600.0),
        _ => (v, 1.0),
    };
    num.parse::<f64>().map_or(1.0, |n| n * mult)
}

/// Instructions a RUN step may move past: image metadata, which no RUN
/// sees, and `ENV`/`ARG`, which a split chain repeats in front of its steps
/// (so every RUN sees the environment it saw). `WORKDIR` (it makes a
/// folder), `USER`, `SHELL`, `COPY`, `ADD`, `VOLUME` and `ONBUILD` stay
/// barriers.
pub fn passable(kind: IKind) -> bool {
    matches!(
        kind,
        IKind::Env
            | IKind::Arg
            | IKind::Label
            | IKind::Expose
            | IKind::Cmd
            | IKind::Entrypoint
            | IKind::Healthcheck
            | IKind::StopSignal
            | IKind::Maintainer
    )
}
