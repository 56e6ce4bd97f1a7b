//! The sandbox: each step runs in a helper process, `rdock __rdock-sandbox
//! SPEC`, started in new mount, PID, UTS, IPC and (unless `--network host`)
//! network namespaces. The helper mounts the step's overlay (the stage so
//! far below, the step's own upper layer on top) and does one operation:
//! RUN forks the step's PID 1, which mounts /proc, /dev, /sys and the
//! step's mounts, pivots into the merged tree and executes the command;
//! COPY and WORKDIR work inside the tree with `chroot`; an export writes the
//! merged tree as a tar file. Everything a helper mounts lives in its mount
//! namespace and goes with it; the PID namespace ends every process of the
//! step when its PID 1 ends; both helper and PID 1 are killed if their
//! parent dies.

use std::io::{BufRead, BufReader};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::rootpath;
use super::spec::{Op, RunMount, RunSpec, Spec};
use super::sys::{self, Result};

/// The hidden first argument that makes `rdock` a sandbox helper.
pub const HELPER_ARG: &str = "__rdock-sandbox";

/// The hostname BuildKit gives build steps.
pub const HOSTNAME: &str = "buildkitsandbox";

/// /etc/hosts as BuildKit writes it for a step.
pub const HOSTS: &str =
    "127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n";

/// What a helper printed (its last lines) and how it ended.
pub struct Outcome {
    pub code: i32,
    pub tail: Vec<String>,
}

/// Start a helper for `spec` (written to `spec_path`) and wait for it.
/// `on_line` sees every line the step prints.
pub fn spawn(
    spec: &Spec,
    spec_path: &Path,
    on_line: &mut dyn FnMut(&str),
) -> std::result::Result<Outcome, String> {
    let json = serde_json::to_vec(spec).map_err(|e| e.to_string())?;
    std::fs::write(spec_path, json).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let mut flags = libc::CLONE_NEWNS;
    if let Op::Run(r) = &spec.op {
        flags |= libc::CLONE_NEWPID | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC;
        if !r.network_host {
            flags |= libc::CLONE_NEWNET;
        }
    }
    // One pipe for both stdout and stderr, so lines keep their order.
    let mut fds = [0; 2];
    // SAFETY: a valid two-element array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just created and are owned here.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let write2 = write.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(helper_exe());
    cmd.arg(HELPER_ARG)
        .arg(spec_path)
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::from(write2))
        .env_clear();
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::unshare(flags) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start the sandbox helper: {e}"))?;
    drop(cmd);
    super::cleanup::track(child.id());
    let mut tail: std::collections::VecDeque<String> = Default::default();
    for line in BufReader::new(std::fs::File::from(read)).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).into_owned();
        on_line(&line);
        if tail.len() == 40 {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child.wait().map_err(|e| e.to_string());
    super::cleanup::untrack(child.id());
    super::cleanup::wait_if_interrupted();
    let status = status?;
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok(Outcome {
        code,
        tail: tail.into(),
    })
}

/// The program to start as helper: this very binary.
fn helper_exe() -> PathBuf {
    std::env::var_os("RDOCK_SANDBOX_EXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/proc/self/exe"))
}

/// Exit code of a helper that failed before or instead of running the step.
pub const HELPER_FAILED: i32 = 125;
/// The prefix of a helper's own error lines.
pub const HELPER_ERROR: &str = "rdock sandbox: ";

/// The helper's `main`.
pub fn helper_main(spec_path: &Path) -> i32 {
    sys::die_with_parent();
    match helper(spec_path) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{HELPER_ERROR}{e}");
            HELPER_FAILED
        }
    }
}

fn helper(spec_path: &Path) -> Result<i32> {
    let bytes = std::fs::read(spec_path).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let spec: Spec = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    sys::mount(
        "",
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )?;
    std::env::set_current_dir(&spec.root).map_err(|e| format!("{}: {e}", spec.root.display()))?;
    let merged = spec.root.join(&spec.merged);
    overlay(&spec.lowers, spec.upper.as_ref(), Path::new(&spec.merged))?;
    match &spec.op {
        Op::Run(r) => run(&spec, &merged, r),
        Op::Mkdir { path, user } => {
            sys::chroot(&merged)?;
            let (uid, gid) = if user.is_empty() {
                (0, 0)
            } else {
                super::users::chown_ids(Path::new("/"), user)
            };
            mkdir_all(Path::new("/"), path, 0o755, Some((uid, gid)))?;
            Ok(0)
        }
        Op::Copy(c) => super::copy::run(&spec, &merged, c).map(|()| 0),
        Op::Export { tar, epoch } => super::export::write(&merged, tar, *epoch).map(|()| 0),
    }
}

/// Mount an overlay of `lowers` (uppermost first, relative to the current
/// folder) with `upper` at `target`; read-only without an upper layer.
pub(crate) fn overlay(
    lowers: &[String],
    upper: Option<&(String, String)>,
    target: &Path,
) -> Result<()> {
    // An empty bottom layer: an overlay needs one lower layer, and two when it has no upper.
    let mut lower: Vec<&str> = lowers.iter().map(String::as_str).collect();
    lower.push(super::store::EMPTY);
    let mut opts = format!("lowerdir={}", lower.join(":"));
    if let Some((u, w)) = upper {
        opts.push_str(&format!(",upperdir={u},workdir={w}"));
    }
    if opts.len() > 4000 {
        return Err(format!(
            "{} layers do not fit in one overlay mount",
            lowers.len()
        ));
    }
    // `nodev`: a device file in an image or made by a step cannot be opened
    // (the steps' devices are bound into their /dev).
    let mut flags = libc::MS_NODEV;
    if upper.is_none() {
        flags |= libc::MS_RDONLY;
    }
    sys::mount("overlay", target, Some("overlay"), flags, Some(&opts))
}

/// `mkdir -p` inside `root` (links followed inside it); new folders get
/// `mode` and, when given, the owner.
pub(crate) fn mkdir_all(
    root: &Path,
    path: &str,
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<()> {
    let mut so_far = String::new();
    for part in rootpath::clean(path).split('/').filter(|p| !p.is_empty()) {
        so_far.push('/');
        so_far.push_str(part);
        let here = rootpath::resolve(root, &so_far);
        match std::fs::metadata(&here) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => return Err(format!("{so_far} exists and is not a directory")),
            Err(_) => {
                std::fs::create_dir(&here).map_err(|e| format!("mkdir {so_far}: {e}"))?;
                sys::chmod(&here, mode)?;
                if let Some((u, g)) = owner {
                    sys::lchown(&here, u, g)?;
                }
            }
        }
    }
    Ok(())
}

/// A mount of another stage's layers: the layers (uppermost first), the
/// path in them, the mount point, where a file's tree is mounted first
/// (`None` for a folder, mounted in place), and whether it is read-only.
type Layered = (Vec<String>, String, PathBuf, Option<PathBuf>, bool);

/// Whether `path` in the tree of `lowers` (uppermost first) is a file
/// rather than a folder: the uppermost layer that has it decides.
fn layers_hold_a_file(lowers: &[String], path: &str) -> bool {
    if path.trim_matches('/').is_empty() {
        return false;
    }
    lowers.iter().find_map(|l| {
        let m = std::fs::symlink_metadata(rootpath::resolve(Path::new(l), path)).ok()?;
        Some(!m.is_dir())
    }) == Some(true)
}

/// A path in the merged tree that must not be a link (a mount target).
fn plain(merged: &Path, rel: &str) -> Result<PathBuf> {
    let mut p = merged.to_path_buf();
    for part in rel.split('/').filter(|s| !s.is_empty()) {
        p.push(part);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!("/{rel}: a mount target goes through a symbolic link, which this executor does not follow"));
        }
    }
    Ok(p)
}

/// RUN: prepare the mount points, fork the step's PID 1, wait for it, and
/// remove the mount points that were made only for it.
fn run(spec: &Spec, merged: &Path, r: &RunSpec) -> Result<i32> {
    // Folders runc makes and BuildKit leaves in the layer.
    for d in ["proc", "dev", "sys"] {
        let p = plain(merged, d)?;
        if std::fs::symlink_metadata(&p).is_err() {
            std::fs::create_dir(&p).map_err(|e| format!("mkdir /{d}: {e}"))?;
            sys::chmod(&p, 0o755)?;
        }
    }
    // Files and folders made only to mount on, removed afterwards.
    let mut stubs: Vec<PathBuf> = Vec::new();
    let mut binds: Vec<(PathBuf, PathBuf, bool)> = Vec::new();
    let etc = plain(merged, "etc")?;
    if !etc.exists() {
        std::fs::create_dir(&etc).map_err(|e| format!("mkdir /etc: {e}"))?;
        stubs.push(etc.clone());
    }
    for (name, source) in [
        ("etc/hosts", spec.root.join(&r.hosts)),
        ("etc/resolv.conf", PathBuf::from("/etc/resolv.conf")),
    ] {
        let p = plain(merged, name)?;
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_file() => binds.push((source, p, true)),
            Ok(_) => {}
            Err(_) => {
                std::fs::write(&p, b"").map_err(|e| format!("/{name}: {e}"))?;
                stubs.push(p.clone());
                binds.push((source, p, true));
            }
        }
    }
    let user = super::users::exec_user(merged, &r.user)?;
    // BuildKit makes the working folder when it is missing, owned by the user.
    mkdir_all(merged, &r.cwd, 0o755, Some((user.uid, user.gid)))?;
    let mut tmpfs: Vec<(PathBuf, Option<u64>)> = Vec::new();
    let mut layered: Vec<Layered> = Vec::new();
    let mut asides: Vec<PathBuf> = Vec::new();
    for m in &r.mounts {
        let target = match m {
            RunMount::Bind { target, .. }
            | RunMount::Layers { target, .. }
            | RunMount::Tmpfs { target, .. } => target,
        };
        let p = plain(merged, target)?;
        let is_dir_source = match m {
            RunMount::Bind { source, .. } => source.is_dir(),
            RunMount::Layers {
                lowers, subpath, ..
            } => !layers_hold_a_file(lowers, subpath),
            RunMount::Tmpfs { .. } => true,
        };
        if std::fs::symlink_metadata(&p).is_err() {
            // Make the missing parents and the mount point; remove what was made afterwards.
            let mut first_missing = None;
            let mut q = merged.to_path_buf();
            for part in target.split('/').filter(|s| !s.is_empty()) {
                q.push(part);
                if std::fs::symlink_metadata(&q).is_err() && first_missing.is_none() {
                    first_missing = Some(q.clone());
                }
            }
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("mkdir {target}: {e}"))?;
            }
            if is_dir_source {
                std::fs::create_dir(&p).map_err(|e| format!("mkdir {target}: {e}"))?;
            } else {
                std::fs::write(&p, b"").map_err(|e| format!("{target}: {e}"))?;
            }
            stubs.extend(first_missing);
        }
        match m {
            RunMount::Bind {
                source, readonly, ..
            } => binds.push((source.clone(), p, *readonly)),
            RunMount::Tmpfs { size, .. } => tmpfs.push((p, *size)),
            RunMount::Layers {
                lowers,
                subpath,
                readonly,
                ..
            } => {
                // A file is bound from the stage's tree mounted aside.
                let aside = (!is_dir_source)
                    .then(|| PathBuf::from(format!("{}-mount{}", spec.merged, layered.len())));
                if let Some(a) = &aside {
                    std::fs::create_dir_all(a).map_err(|e| format!("{}: {e}", a.display()))?;
                    asides.push(a.clone());
                }
                layered.push((lowers.clone(), subpath.clone(), p, aside, *readonly))
            }
        }
    }
    // Watch from here: what the helper did to the tree so far is not the step's.
    let mut watch = match &r.reads {
        Some(_) => Some(super::reads::ReadWatch::new(merged)?),
        None => None,
    };
    let pid = sys::fork()?;
    if pid == 0 {
        drop(watch);
        let e = step_init(merged, r, &user, &binds, &tmpfs, &layered);
        eprintln!("{HELPER_ERROR}{e}");
        // SAFETY: ends the forked child without running the parent's destructors.
        unsafe { libc::_exit(HELPER_FAILED) };
    }
    let code = match watch.as_mut() {
        Some(w) => w.wait(pid)?,
        None => sys::wait(pid)?,
    };
    if let (Some(w), Some(out)) = (watch, &r.reads) {
        let json = serde_json::to_vec(&w.finish()?).map_err(|e| e.to_string())?;
        std::fs::write(out, json).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    for a in &asides {
        let _ = std::fs::remove_dir(a);
    }
    for s in stubs.iter().rev() {
        let _ = if s.is_dir() {
            std::fs::remove_dir_all(s)
        } else {
            std::fs::remove_file(s)
        };
    }
    Ok(code)
}

/// The step's PID 1: its own mounts, then the command. Returns only on failure.
fn step_init(
    merged: &Path,
    r: &RunSpec,
    user: &super::users::ExecUser,
    binds: &[(PathBuf, PathBuf, bool)],
    tmpfs: &[(PathBuf, Option<u64>)],
    layered: &[Layered],
) -> String {
    let go = || -> Result<String> {
        sys::die_with_parent();
        // A mount namespace of its own, so that pivoting leaves the helper's root alone.
        // SAFETY: a plain unshare in a single-threaded child.
        if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
            return Err(format!("unshare: {}", std::io::Error::last_os_error()));
        }
        let nosuid = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
        sys::mount("proc", &merged.join("proc"), Some("proc"), nosuid, None)?;
        dev(&merged.join("dev"))?;
        if !r.pipes.is_empty() {
            let pipes = merged.join("dev/pipes");
            std::fs::create_dir(&pipes).map_err(|e| format!("/dev/pipes: {e}"))?;
            for (name, data) in &r.pipes {
                let p = pipes.join(name);
                std::fs::write(&p, data).map_err(|e| format!("/dev/pipes/{name}: {e}"))?;
                sys::chmod(&p, 0o755)?;
            }
        }
        let sys_ro = nosuid | libc::MS_RDONLY;
        if sys::mount("sysfs", &merged.join("sys"), Some("sysfs"), sys_ro, None).is_err() {
            sys::bind(Path::new("/sys"), &merged.join("sys"), true)?;
        }
        for (source, target, ro) in binds {
            sys::bind(source, target, *ro)?;
        }
        for (target, size) in tmpfs {
            let opts = size.map(|s| format!("size={s}"));
            sys::mount(
                "tmpfs",
                target,
                Some("tmpfs"),
                libc::MS_NOSUID | libc::MS_NODEV,
                opts.as_deref(),
            )?;
        }
        for (lowers, subpath, target, aside, _) in layered {
            if let Some(aside) = aside {
                overlay(lowers, None, aside)?;
                sys::bind(&rootpath::resolve(aside, subpath), target, true)?;
            } else if subpath.trim_matches('/').is_empty() {
                overlay(lowers, None, target)?;
            } else {
                // Mount the whole view aside, inside the target itself, then bind the sub-path.
                overlay(lowers, None, target)?;
                let inner = rootpath::resolve(target, subpath);
                sys::bind(&inner, target, true)?;
            }
        }
        // What Docker keeps from steps in /proc: read-only kernel knobs, masked files.
        let proc = merged.join("proc");
        for ro in ["sys", "sysrq-trigger", "irq", "bus"] {
            let p = proc.join(ro);
            if p.exists() {
                sys::bind(&p, &p, true)?;
            }
        }
        for masked in ["kcore", "keys", "timer_list"] {
            let p = proc.join(masked);
            if p.exists() {
                sys::bind_device(Path::new("/dev/null"), &p)?;
            }
        }
        sys::sethostname(HOSTNAME)?;
        if !r.network_host {
            sys::loopback_up()?;
        }
        sys::pivot_into(merged)?;
        std::env::set_current_dir(&r.cwd).map_err(|e| format!("chdir {}: {e}", r.cwd))?;
        sys::drop_capabilities()?;
        sys::become_user(user.uid, user.gid, &user.groups)?;
        let mut env = r.env.clone();
        if !env.iter().any(|e| e.starts_with("HOME=")) {
            env.push(format!("HOME={}", user.home));
        }
        let program = lookup(&r.argv[0], &env).ok_or_else(|| {
            format!(
                "exec: \"{}\": executable file not found in $PATH",
                r.argv[0]
            )
        })?;
        Ok(sys::exec(&program, &r.argv, &env))
    };
    match go() {
        Ok(e) | Err(e) => e,
    }
}

/// The program `name` names, looked up in the step's PATH as runc does.
fn lookup(name: &str, env: &[String]) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name));
    }
    let path = env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    use std::os::unix::fs::PermissionsExt;
    path.split(':')
        .map(|d| Path::new(if d.is_empty() { "." } else { d }).join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// A minimal /dev, as runc makes it: a tmpfs with the usual devices and links.
fn dev(dev: &Path) -> Result<()> {
    // `nodev`: a device file a step makes here cannot be opened; the usual
    // devices are the host's, bound one by one.
    sys::mount(
        "tmpfs",
        dev,
        Some("tmpfs"),
        libc::MS_NOSUID | libc::MS_NODEV,
        Some("mode=755,size=65536k"),
    )?;
    for name in ["null", "zero", "full", "random", "urandom", "tty"] {
        let node = dev.join(name);
        std::fs::write(&node, b"").map_err(|e| format!("/dev/{name}: {e}"))?;
        sys::chmod(&node, 0o666)?;
        let host = Path::new("/dev").join(name);
        if let Err(e) = sys::bind_device(&host, &node) {
            if name != "tty" {
                return Err(e);
            }
            let _ = std::fs::remove_file(&node);
        }
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ] {
        std::os::unix::fs::symlink(target, dev.join(name))
            .map_err(|e| format!("/dev/{name}: {e}"))?;
    }
    for d in ["pts", "shm", "mqueue"] {
        std::fs::create_dir(dev.join(d)).map_err(|e| format!("/dev/{d}: {e}"))?;
    }
    let nosuid = libc::MS_NOSUID | libc::MS_NOEXEC;
    let _ = sys::mount(
        "devpts",
        &dev.join("pts"),
        Some("devpts"),
        nosuid,
        Some("newinstance,ptmxmode=0666,mode=0620,gid=5"),
    );
    sys::mount(
        "shm",
        &dev.join("shm"),
        Some("tmpfs"),
        nosuid | libc::MS_NODEV,
        Some("mode=1777,size=65536k"),
    )?;
    let _ = sys::mount(
        "mqueue",
        &dev.join("mqueue"),
        Some("mqueue"),
        nosuid | libc::MS_NODEV,
        None,
    );
    Ok(())
}
