//! What a RUN step read (`rdock trace`), seen with fanotify on the step's
//! overlay filesystem: a mark on the overlay's superblock reports every
//! read of a file's content, every listing of a folder and every program
//! or library executed through any mount of that overlay, whichever mount
//! namespace the step's processes live in. The layers below the step
//! (folders on the host) and the step's other mounts (`/proc`, `/dev`,
//! `--mount` sources, `/etc/hosts`) are other filesystems and are not
//! seen, so what is reported is exactly what the step read of the image.
//!
//! What fanotify does not report: looking a name up without opening it
//! (`stat`, `access`, `readlink`, `test -e`, the shell's search of `PATH`),
//! and pages of a mapped file touched after it was mapped. The first is
//! why a read list is evidence of dependences, not a proof of their
//! absence; rdock's own models keep the lookups (`Effects::programs`).

use std::collections::BTreeSet;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::sys::Result;

/// A fanotify group that watches one overlay filesystem.
pub struct ReadWatch {
    fan: OwnedFd,
    /// The merged tree as the helper sees it: paths opened before the step
    /// pivoted into it start with this and are cut to the image's paths.
    merged: PathBuf,
    /// The helper's own reads are not the step's.
    helper: libc::pid_t,
    reads: BTreeSet<String>,
    overflowed: bool,
}

impl ReadWatch {
    /// Watch the filesystem mounted at `merged` (the step's overlay).
    pub fn new(merged: &Path) -> Result<ReadWatch> {
        let flags = libc::FAN_CLASS_NOTIF
            | libc::FAN_CLOEXEC
            | libc::FAN_NONBLOCK
            | libc::FAN_UNLIMITED_QUEUE;
        let event_flags = (libc::O_RDONLY | libc::O_LARGEFILE | libc::O_CLOEXEC) as libc::c_uint;
        // SAFETY: plain system call with integer arguments.
        let fd = unsafe { libc::fanotify_init(flags, event_flags) };
        if fd < 0 {
            return Err(format!(
                "fanotify_init: {} (tracing reads needs root and a kernel with fanotify)",
                io::Error::last_os_error()
            ));
        }
        // SAFETY: `fd` was just returned by fanotify_init and is owned here.
        let fan = unsafe { OwnedFd::from_raw_fd(fd) };
        let path = CString::new(merged.as_os_str().as_bytes())
            .map_err(|_| format!("{} holds a NUL byte", merged.display()))?;
        let mask = libc::FAN_ACCESS | libc::FAN_OPEN_EXEC | libc::FAN_ONDIR;
        // SAFETY: a valid descriptor and NUL-terminated path.
        let r = unsafe {
            libc::fanotify_mark(
                fan.as_raw_fd(),
                libc::FAN_MARK_ADD | libc::FAN_MARK_FILESYSTEM,
                mask,
                libc::AT_FDCWD,
                path.as_ptr(),
            )
        };
        if r != 0 {
            return Err(format!(
                "fanotify_mark {}: {}",
                merged.display(),
                io::Error::last_os_error()
            ));
        }
        Ok(ReadWatch {
            fan,
            merged: merged.to_path_buf(),
            // SAFETY: getpid cannot fail.
            helper: unsafe { libc::getpid() },
            reads: BTreeSet::new(),
            overflowed: false,
        })
    }

    /// Wait for `pid` to end while taking the events of its reads; its exit
    /// code, as `sys::wait` gives it.
    pub fn wait(&mut self, pid: libc::pid_t) -> Result<i32> {
        // SAFETY: plain system call; the result is checked.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int;
        if pidfd < 0 {
            return Err(format!("pidfd_open: {}", io::Error::last_os_error()));
        }
        // SAFETY: `pidfd` was just opened and is owned here.
        let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
        loop {
            let mut fds = [
                libc::pollfd {
                    fd: self.fan.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: pidfd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: a valid array of two pollfd.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(format!("poll: {e}"));
            }
            if fds[0].revents != 0 {
                self.drain()?;
            }
            if fds[1].revents != 0 {
                break;
            }
        }
        // The step's last events are queued before its PID 1 is reaped.
        let code = super::sys::wait(pid)?;
        self.drain()?;
        Ok(code)
    }

    /// Read every queued event.
    fn drain(&mut self) -> Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        let size = std::mem::size_of::<libc::fanotify_event_metadata>();
        loop {
            // SAFETY: reads into a buffer of the length given.
            let n = unsafe { libc::read(self.fan.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::WouldBlock => return Ok(()),
                    io::ErrorKind::Interrupted => continue,
                    _ => return Err(format!("reading fanotify events: {e}")),
                }
            }
            let n = n as usize;
            if n == 0 {
                return Ok(());
            }
            let mut off = 0;
            while off + size <= n {
                // SAFETY: the kernel wrote whole records; read one unaligned.
                let ev: libc::fanotify_event_metadata =
                    unsafe { std::ptr::read_unaligned(buf[off..].as_ptr().cast()) };
                if ev.event_len as usize == 0 {
                    break;
                }
                off += ev.event_len as usize;
                if ev.mask & libc::FAN_Q_OVERFLOW != 0 {
                    self.overflowed = true;
                }
                if ev.fd < 0 {
                    continue;
                }
                // SAFETY: the event's descriptor is ours to close.
                let fd = unsafe { OwnedFd::from_raw_fd(ev.fd) };
                if ev.pid == self.helper {
                    continue;
                }
                if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())) {
                    self.reads.insert(self.image_path(&p));
                }
            }
        }
    }

    /// The path in the image of a path the helper resolved.
    fn image_path(&self, p: &Path) -> String {
        let p = p.strip_prefix(&self.merged).map_or_else(
            |_| p.to_string_lossy().into_owned(),
            |rel| format!("/{}", rel.to_string_lossy()),
        );
        match p.strip_suffix('/') {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => p,
        }
    }

    /// The paths read, sorted, or an error when the kernel dropped events.
    pub fn finish(self) -> Result<Vec<String>> {
        if self.overflowed {
            return Err("the kernel dropped read events (fanotify queue overflow)".into());
        }
        Ok(self.reads.into_iter().collect())
    }
}
