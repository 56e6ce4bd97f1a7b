//! A build's work folder: every layer (`l/N`: a step's upper layer, or a
//! link to an unpacked base image), the overlay work folders (`w/N`), the
//! mount points (`m/N`), an empty layer (`e`) and the helpers' specs.
//! Short names relative to the folder keep long layer stacks within one
//! mount option page. Removed when the build ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The empty layer at the bottom of every overlay.
pub const EMPTY: &str = "e";

pub struct Store {
    pub root: PathBuf,
    next: AtomicUsize,
}

/// A new step layer: the upper folder (relative), its overlay work folder and mount point.
pub struct NewLayer {
    pub id: String,
    pub work: String,
    pub merged: String,
    pub spec: PathBuf,
}

impl Store {
    pub fn new() -> std::io::Result<Store> {
        let root = tempfile::Builder::new()
            .prefix("rdock-embedded-")
            .tempdir()?
            .keep();
        super::cleanup::track_dir(&root);
        for d in ["l", "w", "m", "s", "h", EMPTY] {
            std::fs::create_dir(root.join(d))?;
        }
        Ok(Store {
            root,
            next: AtomicUsize::new(0),
        })
    }

    fn id(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    pub fn new_layer(&self) -> std::io::Result<NewLayer> {
        let n = self.id();
        let l = NewLayer {
            id: format!("l/{n}"),
            work: format!("w/{n}"),
            merged: format!("m/{n}"),
            spec: self.root.join(format!("s/{n}.json")),
        };
        for d in [&l.id, &l.work, &l.merged] {
            std::fs::create_dir(self.root.join(d))?;
        }
        Ok(l)
    }

    /// A mount point and spec file for a read-only view (export).
    pub fn new_view(&self) -> std::io::Result<(String, PathBuf)> {
        let n = self.id();
        let merged = format!("m/{n}");
        std::fs::create_dir(self.root.join(&merged))?;
        Ok((merged, self.root.join(format!("s/{n}.json"))))
    }

    /// Done with a step: its work folder and mount point go, its layer stays.
    pub fn finish(&self, l: &NewLayer) {
        let _ = std::fs::remove_dir_all(self.root.join(&l.work));
        let _ = std::fs::remove_dir(self.root.join(&l.merged));
        let _ = std::fs::remove_file(&l.spec);
    }

    /// A layer that lives elsewhere (an unpacked image), linked in as `l/N`.
    pub fn link_layer(&self, target: &Path) -> std::io::Result<String> {
        let id = format!("l/{}", self.id());
        std::os::unix::fs::symlink(target, self.root.join(&id))?;
        Ok(id)
    }

    /// A fresh folder for files made by the build (heredoc sources).
    pub fn new_dir(&self) -> std::io::Result<PathBuf> {
        let p = self.root.join(format!("h/{}", self.id()));
        std::fs::create_dir(&p)?;
        Ok(p)
    }

    /// The bytes of the files in the layers `rels` (a file with several
    /// names in one layer once), as `rdock verify` compares image sizes.
    pub fn layer_bytes(&self, rels: &[String]) -> u64 {
        use std::os::unix::fs::MetadataExt;
        let mut total = 0;
        for rel in rels {
            let mut seen = std::collections::HashSet::new();
            let mut todo = vec![self.abs(rel)];
            while let Some(dir) = todo.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for e in entries.flatten() {
                    let Ok(m) = e.metadata() else { continue };
                    if m.is_dir() {
                        todo.push(e.path());
                    } else if (m.is_file() || m.is_symlink()) && seen.insert(m.ino()) {
                        total += m.len();
                    }
                }
            }
        }
        total
    }

    pub fn abs(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        super::cleanup::untrack_dir(&self.root);
    }
}
