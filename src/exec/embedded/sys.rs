//! Thin wrappers over the Linux calls the sandbox makes (`libc`), each
//! returning an error that names the call and its path.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub type Result<T> = std::result::Result<T, String>;

fn cstr(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| format!("{} holds a NUL byte", p.display()))
}

fn last(what: &str, p: &Path) -> String {
    format!("{what} {}: {}", p.display(), io::Error::last_os_error())
}

/// `mount(2)`.
pub fn mount(
    source: &str,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> Result<()> {
    let src = CString::new(source).map_err(|e| e.to_string())?;
    let tgt = cstr(target)?;
    let fs = fstype.map(|f| CString::new(f).unwrap_or_default());
    let data = data.map(|d| CString::new(d).unwrap_or_default());
    // SAFETY: every pointer is a valid NUL-terminated string or null.
    let r = unsafe {
        libc::mount(
            src.as_ptr(),
            tgt.as_ptr(),
            fs.as_ref().map_or(std::ptr::null(), |f| f.as_ptr()),
            flags,
            data.as_ref()
                .map_or(std::ptr::null(), |d| d.as_ptr().cast()),
        )
    };
    if r != 0 {
        return Err(last(
            &format!("mount {} ({source})", fstype.unwrap_or("bind")),
            target,
        ));
    }
    Ok(())
}

/// A bind mount, `nosuid` and `nodev` (device files under it cannot be
/// opened), read-only when asked.
pub fn bind(source: &Path, target: &Path, readonly: bool) -> Result<()> {
    let src = source.to_string_lossy().into_owned();
    mount(&src, target, None, libc::MS_BIND | libc::MS_REC, None)?;
    let mut flags = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NOSUID | libc::MS_NODEV;
    if readonly {
        flags |= libc::MS_RDONLY;
    }
    mount("", target, None, flags, None)
}

/// A host device node bound onto a file (usable under a `nodev` /dev).
pub fn bind_device(source: &Path, target: &Path) -> Result<()> {
    let src = source.to_string_lossy().into_owned();
    mount(&src, target, None, libc::MS_BIND, None)
}

/// The capabilities a step keeps: Docker's default set. Every other one
/// leaves the bounding set (so a step running as root gets no more when it
/// executes a program) and the inheritable set is emptied.
const KEEP_CAPS: [u32; 14] = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31];

pub fn drop_capabilities() -> Result<()> {
    for cap in 0..64u32 {
        if KEEP_CAPS.contains(&cap) {
            continue;
        }
        // SAFETY: a plain prctl.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) } != 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINVAL) {
                break; // past the last capability this kernel knows
            }
            return Err(format!("drop capability {cap}: {e}"));
        }
    }
    let keep: u64 = KEEP_CAPS.iter().map(|c| 1u64 << c).sum();
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let data = [
        Data {
            effective: keep as u32,
            permitted: keep as u32,
            inheritable: 0,
        },
        Data {
            effective: (keep >> 32) as u32,
            permitted: (keep >> 32) as u32,
            inheritable: 0,
        },
    ];
    // SAFETY: a version-3 header and its two data words.
    if unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) } != 0 {
        return Err(format!("capset: {}", io::Error::last_os_error()));
    }
    Ok(())
}

/// `umount2(path, MNT_DETACH)`.
pub fn detach(target: &Path) -> Result<()> {
    let t = cstr(target)?;
    // SAFETY: a valid path.
    if unsafe { libc::umount2(t.as_ptr(), libc::MNT_DETACH) } != 0 {
        return Err(last("umount", target));
    }
    Ok(())
}

pub fn chroot(dir: &Path) -> Result<()> {
    let d = cstr(dir)?;
    // SAFETY: a valid path.
    if unsafe { libc::chroot(d.as_ptr()) } != 0 {
        return Err(last("chroot", dir));
    }
    std::env::set_current_dir("/").map_err(|e| format!("chdir /: {e}"))
}

/// Make `dir` the root of this mount namespace (`pivot_root(".", ".")`, as
/// runc does), dropping the old root.
pub fn pivot_into(dir: &Path) -> Result<()> {
    std::env::set_current_dir(dir).map_err(|e| format!("chdir {}: {e}", dir.display()))?;
    let dot = CString::new(".").unwrap_or_default();
    // SAFETY: valid paths; the syscall has no libc wrapper.
    if unsafe { libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) } != 0 {
        return Err(last("pivot_root", dir));
    }
    detach(Path::new("."))?;
    std::env::set_current_dir("/").map_err(|e| format!("chdir /: {e}"))
}

pub fn chmod(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

/// `lchown(2)`: the link itself, not what it points at.
pub fn lchown(path: &Path, uid: u32, gid: u32) -> Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
        .map_err(|e| format!("chown {}: {e}", path.display()))
}

pub fn sethostname(name: &str) -> Result<()> {
    // SAFETY: a valid buffer and its length.
    if unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) } != 0 {
        return Err(format!("sethostname: {}", io::Error::last_os_error()));
    }
    Ok(())
}

/// Bring the loopback interface of this network namespace up, as BuildKit's
/// `--network=none` does.
pub fn loopback_up() -> Result<()> {
    // SAFETY: a socket only used for the two ioctls below, then closed.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(format!("socket: {}", io::Error::last_os_error()));
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut r = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if r == 0 {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            r = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        let err = io::Error::last_os_error();
        libc::close(fd);
        if r != 0 {
            return Err(format!("bring up lo: {err}"));
        }
    }
    Ok(())
}

/// Kill this process when the thread that started it ends.
pub fn die_with_parent() {
    // SAFETY: a plain prctl.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

pub fn is_root() -> bool {
    // SAFETY: no arguments.
    unsafe { libc::geteuid() == 0 }
}

/// Become `uid`/`gid` with the supplementary `groups`.
pub fn become_user(uid: u32, gid: u32, groups: &[u32]) -> Result<()> {
    let gs: Vec<libc::gid_t> = groups.to_vec();
    // SAFETY: a valid array and its length; then plain id calls.
    unsafe {
        if libc::setgroups(gs.len(), gs.as_ptr()) != 0 {
            return Err(format!("setgroups: {}", io::Error::last_os_error()));
        }
        if libc::setresgid(gid, gid, gid) != 0 {
            return Err(format!("setgid {gid}: {}", io::Error::last_os_error()));
        }
        if libc::setresuid(uid, uid, uid) != 0 {
            return Err(format!("setuid {uid}: {}", io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// `execve`: only returns on failure.
pub fn exec(program: &Path, argv: &[String], env: &[String]) -> String {
    let Ok(prog) = cstr(program) else {
        return format!("{} holds a NUL byte", program.display());
    };
    let to_c = |v: &[String]| -> Option<Vec<CString>> {
        v.iter().map(|s| CString::new(s.as_bytes()).ok()).collect()
    };
    let (Some(args), Some(envs)) = (to_c(argv), to_c(env)) else {
        return "an argument or variable holds a NUL byte".into();
    };
    let mut argp: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argp.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = envs.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: NUL-terminated arrays of valid strings.
    unsafe { libc::execve(prog.as_ptr(), argp.as_ptr(), envp.as_ptr()) };
    last("exec", program)
}

/// `fork(2)`: `Ok(0)` in the child. Only in the single-threaded helper.
pub fn fork() -> Result<libc::pid_t> {
    // SAFETY: the helper has one thread when it forks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", io::Error::last_os_error()));
    }
    Ok(pid)
}

/// Wait for `pid`; its exit code, or 128 + the signal that ended it.
pub fn wait(pid: libc::pid_t) -> Result<i32> {
    let mut status = 0;
    loop {
        // SAFETY: a valid out pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(format!("waitpid: {e}"));
        }
    }
    Ok(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    })
}
