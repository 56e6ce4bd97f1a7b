//! The front door: the settings for a Dockerfile, resolved one way for
//! `rdock lint`, `rdock verify`, `rdock explain-deps` and the language
//! server. A session holds what the user gave (overrides, a configuration
//! choice) and caches what it reads from disk: configuration files, the
//! builds each repository runs (`crate::workspace`), and each file's
//! completed settings. The language server drops the caches when a watched
//! file changes ([`Session::invalidate`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::config::{self, Config, ConfigError};
use crate::settings::{Overrides, Settings};
use crate::workspace;

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum ConfigChoice {
    /// The nearest `.rdock.toml` (or `rdock.toml`) above each file.
    Discover,
    /// One file for every Dockerfile (`--config`).
    Fixed(Arc<Config>),
    /// None (`--no-config`).
    Ignore,
}

/// Settings resolved for one configuration (by identity).
type Resolved = (Option<Arc<Config>>, Arc<Settings>);

pub struct Session {
    overrides: Overrides,
    choice: ConfigChoice,
    configs: config::Discovery,
    /// Settings per configuration (by identity), before the per-file part.
    resolved: Mutex<Vec<Resolved>>,
    /// The builds each repository runs, by its root.
    builds: Mutex<HashMap<PathBuf, Arc<workspace::Discovery>>>,
    /// Completed settings per file.
    files: Mutex<HashMap<PathBuf, Arc<Settings>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Session {
    pub fn new(overrides: Overrides, choice: ConfigChoice) -> Session {
        Session {
            overrides,
            choice,
            configs: config::Discovery::new(crate::rules::is_known_selector),
            resolved: Mutex::new(Vec::new()),
            builds: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
        }
    }

    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// The settings for the Dockerfile at `path` (which need not exist: the
    /// name given to standard input): its configuration, the overrides, its
    /// build context's `.dockerignore` and the builds the repository runs.
    /// An error when its configuration file is broken.
    pub fn settings_for(&self, path: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(s) = lock(&self.files).get(path) {
            return Ok(s.clone());
        }
        let config = match &self.choice {
            ConfigChoice::Discover => self.configs.for_file(path)?,
            ConfigChoice::Fixed(c) => Some(c.clone()),
            ConfigChoice::Ignore => None,
        };
        Ok(self.complete(path, config))
    }

    /// [`Session::settings_for`] without the configuration file, for a
    /// front-end that goes on when it is broken (the language server).
    pub fn settings_without_config(&self, path: &Path) -> Arc<Settings> {
        let base = self.resolved(None);
        self.per_file(path, &base).unwrap_or(base)
    }

    /// The settings for a document that is not a file (an unsaved editor
    /// buffer): the overrides alone.
    pub fn settings_without_file(&self) -> Arc<Settings> {
        self.resolved(None)
    }

    fn complete(&self, path: &Path, config: Option<Arc<Config>>) -> Arc<Settings> {
        let base = self.resolved(config);
        let settings = self.per_file(path, &base).unwrap_or(base);
        lock(&self.files).insert(path.to_path_buf(), settings.clone());
        settings
    }

    fn per_file(&self, path: &Path, base: &Settings) -> Option<Arc<Settings>> {
        let builds = self.builds_for(path);
        workspace::settings_for_file(base, path, &builds).map(Arc::new)
    }

    fn resolved(&self, config: Option<Arc<Config>>) -> Arc<Settings> {
        let mut cache = lock(&self.resolved);
        let same = |c: &Option<Arc<Config>>| match (c, &config) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if let Some((_, s)) = cache.iter().find(|(c, _)| same(c)) {
            return s.clone();
        }
        let s = Arc::new(Settings::resolve(config.as_deref(), &self.overrides));
        cache.push((config, s.clone()));
        s
    }

    /// The builds found in the repository `path` is in, walked once per repository.
    pub fn builds_for(&self, path: &Path) -> Arc<workspace::Discovery> {
        let root = workspace::repo_root(path);
        if let Some(d) = lock(&self.builds).get(&root) {
            return d.clone();
        }
        // Walked without the lock: another file's lookup need not wait.
        let d = Arc::new(workspace::discover(&root));
        lock(&self.builds).entry(root).or_insert(d).clone()
    }

    /// Forget the configuration files read (a new `.rdock.toml` may have
    /// appeared), keeping the builds found in each repository.
    pub fn invalidate_config(&self) {
        self.configs.clear();
        lock(&self.resolved).clear();
        lock(&self.files).clear();
    }

    /// Forget everything read from disk (a configuration, build or
    /// `.dockerignore` file changed).
    pub fn invalidate(&self) {
        self.configs.clear();
        lock(&self.resolved).clear();
        lock(&self.builds).clear();
        lock(&self.files).clear();
    }
}
