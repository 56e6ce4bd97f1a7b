//! Where a repository starts: the folder whose build files (bake, compose,
//! workflows, Makefiles, scripts) can build a given Dockerfile.
//!
//! The root of a path is, walking up from its folder:
//! 1. the nearest folder with a configuration file saying `root = true`;
//! 2. else the nearest git checkout (a folder with `.git`, a directory or a
//!    file) that claims the path: its index tracks a file in the path's
//!    folder or below it, or it tracks nothing yet. A folder inside a
//!    checkout that tracks nothing of it (an extracted tarball, a vendored
//!    copy, a test corpus) is not the checkout's: it goes on to 3;
//! 3. else the top of what the user linted: the folder common to the paths
//!    given on the command line, or the editor's workspace folder holding it;
//! 4. else the path's own folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::gitindex::{self, Tracked};

/// Why a folder is the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// A `.rdock.toml` (or `rdock.toml`) with `root = true`.
    Config,
    /// A git checkout.
    Git,
    /// The top of the paths given (command line or workspace folder).
    Given,
    /// The folder of the path itself.
    Folder,
}

impl RootKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RootKind::Config => "configuration with root = true",
            RootKind::Git => "git checkout",
            RootKind::Given => "top of the paths given",
            RootKind::Folder => "folder of the file",
        }
    }
}

/// A repository root and where its file list comes from.
#[derive(Debug, Clone)]
pub struct Root {
    pub dir: PathBuf,
    pub kind: RootKind,
    /// The git checkout at or above `dir` whose index lists the files under
    /// `dir`, when it tracks any: discovery reads that list instead of
    /// walking the tree.
    pub index: Option<(PathBuf, Arc<Tracked>)>,
}

/// Finds roots, caching each folder's answer and each checkout's index.
#[derive(Default)]
pub struct Roots {
    /// Folders the user named (the top of the command line's paths, the
    /// workspace folders), absolute.
    tops: Vec<PathBuf>,
    indexes: Mutex<HashMap<PathBuf, Option<Arc<Tracked>>>>,
    dirs: Mutex<HashMap<PathBuf, Root>>,
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

/// The folder common to `paths` (each a file or a folder), absolute.
pub fn common_top(paths: &[PathBuf]) -> Option<PathBuf> {
    let mut top: Option<PathBuf> = None;
    for p in paths {
        let abs = absolute(p);
        let dir = if abs.is_dir() {
            abs
        } else {
            abs.parent().map(Path::to_path_buf)?
        };
        top = Some(match top {
            None => dir,
            Some(t) => {
                let mut t = t.as_path();
                while !dir.starts_with(t) {
                    t = t.parent()?;
                }
                t.to_path_buf()
            }
        });
    }
    top
}

/// Whether the configuration file in `dir`, if any, says `root = true`.
fn config_says_root(dir: &Path) -> bool {
    crate::config::CONFIG_FILE_NAMES.iter().any(|name| {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            return false;
        };
        text.parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("root").and_then(toml::Value::as_bool))
            .unwrap_or(false)
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Roots {
    /// `tops`: the folders the user named (see the module's rule 3).
    pub fn new(tops: Vec<PathBuf>) -> Roots {
        let dir_of = |t: &PathBuf| {
            let abs = absolute(t);
            if abs.is_dir() {
                abs
            } else {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            }
        };
        Roots {
            tops: tops.iter().map(dir_of).collect(),
            ..Roots::default()
        }
    }

    /// The index of the checkout at `checkout`, read once.
    fn index(&self, checkout: &Path) -> Option<Arc<Tracked>> {
        if let Some(i) = lock(&self.indexes).get(checkout) {
            return i.clone();
        }
        let i = gitindex::read(checkout).map(Arc::new);
        lock(&self.indexes).insert(checkout.to_path_buf(), i.clone());
        i
    }

    /// Forget the indexes and answers (files were added or removed).
    pub fn clear(&self) {
        lock(&self.indexes).clear();
        lock(&self.dirs).clear();
    }

    /// The root of `path` (a file, which need not exist, or a folder).
    pub fn root_of(&self, path: &Path) -> Root {
        let abs = absolute(path);
        let start = if abs.is_dir() {
            abs
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        };
        if let Some(r) = lock(&self.dirs).get(&start) {
            return r.clone();
        }
        let root = self.find(&start);
        lock(&self.dirs).insert(start, root.clone());
        root
    }

    fn find(&self, start: &Path) -> Root {
        let mut dir = Some(start);
        // A checkout that does not claim `start`: the root is then below it.
        let mut outer: Option<PathBuf> = None;
        while let Some(d) = dir {
            if config_says_root(d) {
                return self.with_index(d.to_path_buf(), RootKind::Config);
            }
            if d.join(".git").exists() {
                let rel = relative(start, d);
                let claims = match self.index(d) {
                    Some(t) => t.paths.is_empty() || t.has_under(&rel),
                    None => true,
                };
                if claims {
                    return self.with_index(d.to_path_buf(), RootKind::Git);
                }
                outer = Some(d.to_path_buf());
                break;
            }
            dir = d.parent();
        }
        // The deepest named folder holding `start`, below a checkout that
        // does not claim it.
        let top = self
            .tops
            .iter()
            .filter(|t| start.starts_with(t))
            .filter(|t| outer.as_ref().is_none_or(|o| t.starts_with(o)))
            .max_by_key(|t| t.components().count());
        match top {
            Some(t) => self.with_index(t.clone(), RootKind::Given),
            None => self.with_index(start.to_path_buf(), RootKind::Folder),
        }
    }

    /// `dir` with the index of the checkout that tracks files under it.
    fn with_index(&self, dir: PathBuf, kind: RootKind) -> Root {
        let mut d = Some(dir.as_path());
        let mut index = None;
        while let Some(c) = d {
            if c.join(".git").exists() {
                let rel = relative(&dir, c);
                index = self
                    .index(c)
                    .filter(|t| t.has_under(&rel))
                    .map(|t| (c.to_path_buf(), t));
                break;
            }
            d = c.parent();
        }
        Root { dir, kind, index }
    }
}

/// `path` relative to `base` (which holds it), with `/` separators; empty
/// when it is `base`.
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .replace('\\', "/")
}
