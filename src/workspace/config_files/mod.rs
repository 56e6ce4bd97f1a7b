//! Configuration files on disk: reading one (`load`, for `--config`) and
//! finding the one that applies to a file (`ConfigFiles`). `crate::config`
//! turns the text into a `Config`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::{Config, ConfigError, Vocabulary, CONFIG_FILE_NAMES};

/// Reads, parses and validates the configuration file at `path`.
pub fn load(path: &Path, vocabulary: &Vocabulary) -> Result<Config, ConfigError> {
    let text = crate::input::read_text(path).map_err(|e| ConfigError::Io {
        path: path.to_path_buf(),
        cause: e.into_io(),
    })?;
    Config::from_str(&text, path, vocabulary)
}

/// Finds the configuration for files: the nearest configuration file walking
/// up from a file's directory to the filesystem root, the first found
/// winning. Results are cached per directory, so asking for every file of a
/// tree, from many threads, reads each configuration file once.
///
/// Directories are made absolute against the current directory at creation
/// and normalized lexically (`a/../b` is `b`), without resolving symbolic
/// links. The path stored in a found [`Config`] is relative to the current
/// directory when the file is under it (`.rdock.toml`, `sub/.rdock.toml`),
/// absolute otherwise. Errors are not cached: asking again reads the file
/// again.
pub struct ConfigFiles {
    vocabulary: Vocabulary,
    cwd: PathBuf,
    cache: Mutex<HashMap<PathBuf, Option<Arc<Config>>>>,
}

impl ConfigFiles {
    /// `vocabulary` knows the rule selectors and command models a file may
    /// name; usually `settings::VOCABULARY`.
    pub fn new(vocabulary: Vocabulary) -> Self {
        ConfigFiles::with_cwd(vocabulary, std::env::current_dir().unwrap_or_default())
    }

    fn with_cwd(vocabulary: Vocabulary, cwd: PathBuf) -> Self {
        ConfigFiles {
            vocabulary,
            cwd,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration for `file`: that of the nearest configuration file
    /// in its directory or above, or `None` when there is none.
    pub fn for_file(&self, file: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let dir = file.parent().unwrap_or(Path::new(""));
        self.for_dir(dir)
    }

    /// The configuration for files in `dir` (e.g. `.` for standard input).
    pub fn for_dir(&self, dir: &Path) -> Result<Option<Arc<Config>>, ConfigError> {
        let start = normalize(&self.cwd.join(dir));
        let mut visited = Vec::new();
        let mut found = None;
        let mut current = Some(start.as_path());
        while let Some(dir) = current {
            if let Some(cached) = self.cached(dir) {
                found = cached;
                break;
            }
            visited.push(dir.to_path_buf());
            if let Some(file) = self.config_in(dir)? {
                let shown = file.strip_prefix(&self.cwd).unwrap_or(&file);
                let text = crate::input::read_text(&file).map_err(|e| ConfigError::Io {
                    path: shown.to_path_buf(),
                    cause: e.into_io(),
                })?;
                found = Some(Arc::new(Config::from_str(&text, shown, &self.vocabulary)?));
                break;
            }
            current = dir.parent();
        }
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        for dir in visited {
            cache.insert(dir, found.clone());
        }
        Ok(found)
    }

    /// The configuration file in `dir`, if there is one. An entry with a
    /// configuration file's name is one, whatever it is: a folder, a pipe,
    /// a link loop or a dangling link is an error when read, not skipped.
    /// Both names in one folder are an error too: which one is meant?
    fn config_in(&self, dir: &Path) -> Result<Option<PathBuf>, ConfigError> {
        let present: Vec<PathBuf> = CONFIG_FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        match &present[..] {
            [] => Ok(None),
            [one] => Ok(Some(one.clone())),
            [first, ..] => {
                let shown = first.strip_prefix(&self.cwd).unwrap_or(first);
                Err(ConfigError::Ambiguous {
                    path: shown.to_path_buf(),
                })
            }
        }
    }

    /// Forget the files read (one changed).
    pub fn clear(&self) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn cached(&self, dir: &Path) -> Option<Option<Arc<Config>>> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.get(dir).cloned()
    }
}

impl fmt::Debug for ConfigFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFiles")
            .field("cwd", &self.cwd)
            .finish_non_exhaustive()
    }
}

/// `path` without `.` components and with `..` applied lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !out.has_root() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
