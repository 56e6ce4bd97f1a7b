//! What a build leaves on the host while it runs (its helpers and its work
//! folder), so that Ctrl-C or a termination signal removes them before the
//! process ends: the helpers are killed (their namespaces, mounts and step
//! processes go with them) and the work folders are deleted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static PIDS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
static DIRS: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

pub fn track(pid: u32) {
    PIDS.lock().unwrap_or_else(|e| e.into_inner()).insert(pid);
}

pub fn untrack(pid: u32) {
    PIDS.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
}

pub fn track_dir(p: &Path) {
    DIRS.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(p.to_path_buf());
}

pub fn untrack_dir(p: &Path) {
    DIRS.lock().unwrap_or_else(|e| e.into_inner()).remove(p);
}

/// Whether a signal ended the build: the thread that sees its step die
/// then waits for the process to end rather than report a failure.
pub fn wait_if_interrupted() {
    while INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::park();
    }
}

/// Kill every running helper (a failed build stops the others' steps).
pub fn kill_all() {
    for &pid in PIDS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        // SAFETY: a signal to a child this process started and has not reaped.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP: kill the helpers, remove the work folders,
/// and end with 130 (or 128 + the signal).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
                kill_all();
                // The helpers' namespaces end with them; give the kernel a moment.
                std::thread::sleep(std::time::Duration::from_millis(100));
                for d in DIRS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                    let _ = std::fs::remove_dir_all(d);
                }
                eprintln!("rdock: interrupted; the embedded build's processes, mounts and files are removed");
                std::process::exit(128 + sig);
            }
        });
    });
}
