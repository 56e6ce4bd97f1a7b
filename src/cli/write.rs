//! Writing a fixed file back without losing the user's edit or the file's
//! identity: its owner, group, mode, extended attributes and hard links.
//!
//! - The file must still hold what was linted (an edit made meanwhile wins:
//!   the fix is skipped and said so).
//! - A read-only file is refused, as an editor would.
//! - A file with several hard links is written in place, so that every name
//!   keeps seeing the same file.
//! - Otherwise a temporary file beside it takes the owner, group, mode and
//!   extended attributes, then replaces it by rename (atomic). When the owner
//!   cannot be given to the new file (not root, another user's file), the
//!   file is written in place instead.
//! - Ctrl-C while fixing finishes the file being written (and removes no
//!   byte of it); `interrupted()` tells the caller to start no other.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("it changed while rdock was linting it; it was left as it is (run again to fix the new text)")]
    Changed,
    #[error("it is read-only (mode {0:o}); make it writable to fix it")]
    ReadOnly(u32),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl WriteError {
    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            WriteError::Changed => "run `rdock lint --fix` again on the saved file",
            WriteError::ReadOnly(_) => "make it writable (`chmod u+w`), or fix it by hand",
            WriteError::Io(_) => "check that the file and its folder are writable",
        }
    }
}

/// Take Ctrl-C (SIGINT, SIGTERM) as a request to stop after the file being
/// written: from then on [`interrupted`] is true.
pub fn catch_interrupts() {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        INTERRUPTED
            .set(Arc::clone(&flag))
            .expect("set once, under FLAG's get_or_init");
        flag
    });
}

static INTERRUPTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Whether Ctrl-C came since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

/// Replace the contents of `path` (`original` as linted) with `text`.
pub fn write_fixed(path: &Path, original: &str, text: &str) -> Result<(), WriteError> {
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly(mode(&meta)));
    }
    if std::fs::read(&target)? != original.as_bytes() {
        return Err(WriteError::Changed);
    }
    if links(&meta) > 1 {
        return in_place(&target, text);
    }
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".rdock-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    if !take_identity(tmp.as_file(), tmp.path(), &target, &meta)? {
        drop(tmp);
        return in_place(&target, text);
    }
    tmp.as_file().sync_all()?;
    // The last look: an edit saved during the write wins.
    if std::fs::read(&target)? != original.as_bytes() {
        return Err(WriteError::Changed);
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Truncate and write: every hard link sees the new text; owner, group,
/// mode and attributes stay as they are.
fn in_place(target: &Path, text: &str) -> Result<(), WriteError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(_: &std::fs::Metadata) -> u32 {
    0o444
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

/// Give the new file the original's owner, group, mode and extended
/// attributes. `false` when the owner or group cannot be given (the caller
/// then writes in place).
#[cfg(unix)]
fn take_identity(
    file: &std::fs::File,
    tmp: &Path,
    target: &Path,
    meta: &std::fs::Metadata,
) -> Result<bool, WriteError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::io::AsRawFd;
    let mine = file.metadata()?;
    if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
        // SAFETY: fchown on a descriptor this function's caller owns.
        let r = unsafe { libc::fchown(file.as_raw_fd(), meta.uid(), meta.gid()) };
        if r != 0 {
            return Ok(false);
        }
    }
    // After chown, which clears setuid and setgid.
    file.set_permissions(std::fs::Permissions::from_mode(mode(meta)))?;
    // Attributes that cannot be read cannot be copied: write in place then.
    let Ok(names) = xattr::list(target) else {
        return Ok(false);
    };
    for name in names {
        if let Some(value) = xattr::get(target, &name)? {
            if xattr::set(tmp, &name, &value).is_err() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(not(unix))]
fn take_identity(
    file: &std::fs::File,
    _tmp: &Path,
    _target: &Path,
    meta: &std::fs::Metadata,
) -> Result<bool, WriteError> {
    file.set_permissions(meta.permissions())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_made_during_the_lint_wins() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("Dockerfile");
        std::fs::write(&f, "FROM busybox:1.36 as b\n").unwrap();
        // The user saved another text after rdock read the file.
        std::fs::write(&f, "FROM busybox:1.36 as c\n").unwrap();
        let r = write_fixed(&f, "FROM busybox:1.36 as b\n", "FROM busybox:1.36 AS b\n");
        assert!(matches!(r, Err(WriteError::Changed)), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "FROM busybox:1.36 as c\n"
        );
        // Nothing is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
