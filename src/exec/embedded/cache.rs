//! The step cache: a step's layer kept under the user's cache folder
//! (`steps/KEY`), keyed like BuildKit's cache: the key of the state it ran
//! on (the base image's configuration digest, then each step's key), the
//! operation (command line, environment, working folder, user, network;
//! the COPY options) and the content of its inputs (the context files a
//! COPY can see, `.dockerignore` applied; a `--from` stage's key). A second
//! build of the same file reuses the layers of unchanged steps; `--no-cache`
//! neither reads nor writes it. RUN steps with `--mount` are not cached.
//! Nothing is evicted yet: remove the folder to reclaim the space.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::workspace::dockerignore::Dockerignore;

pub fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn dir() -> PathBuf {
    super::image::cache_dir().join("steps")
}

/// The cached layer of `key`, if a build kept one.
pub fn lookup(key: &str) -> Option<PathBuf> {
    let d = dir().join(key);
    d.join("done").is_file().then(|| d.join("layer"))
}

/// Keep `layer` (a finished step's upper folder) as `key`'s; returns where
/// it now is. `None` when it cannot be moved there (another file system).
pub fn store(key: &str, layer: &Path) -> Option<PathBuf> {
    let base = dir();
    std::fs::create_dir_all(&base).ok()?;
    let tmp = tempfile::Builder::new()
        .prefix("tmp-")
        .tempdir_in(&base)
        .ok()?
        .keep();
    let inside = tmp.join("layer");
    if std::fs::rename(layer, &inside).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        return None;
    }
    std::fs::write(tmp.join("done"), b"").ok()?;
    let dest = base.join(key);
    if std::fs::rename(&tmp, &dest).is_err() {
        // Another build stored it first: use that one.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    lookup(key)
}

/// The content of a folder as a COPY sees it: every path that
/// `.dockerignore` leaves, with its type, mode, link target and content.
pub fn tree_digest(root: &Path, ignore: Option<&str>) -> String {
    let ignore = ignore.map(|t| Dockerignore::parse(".dockerignore", t));
    let mut h = Sha256::new();
    fn walk(dir: &Path, rel: &str, ignore: &Option<Dockerignore>, h: &mut Sha256) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut names: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect();
        names.sort();
        for n in names {
            let r = crate::workspace::dockerignore::child(rel, &n);
            let p = dir.join(&n);
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let excluded = ignore
                .as_ref()
                .is_some_and(|i| i.excluding_pattern(&r).is_some());
            if excluded && !m.is_dir() {
                continue;
            }
            h.update(r.as_bytes());
            h.update(m.mode().to_le_bytes());
            h.update([u8::from(excluded)]);
            if m.file_type().is_symlink() {
                h.update(
                    std::fs::read_link(&p)
                        .unwrap_or_default()
                        .as_os_str()
                        .as_encoded_bytes(),
                );
            } else if m.is_dir() {
                walk(&p, &r, ignore, h);
            } else if m.is_file() {
                h.update(m.len().to_le_bytes());
                if let Ok(mut f) = std::fs::File::open(&p) {
                    use std::io::Read;
                    let mut buf = [0u8; 64 * 1024];
                    while let Ok(n) = f.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        h.update(&buf[..n]);
                    }
                }
            }
        }
    }
    walk(root, "", &ignore, &mut h);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
