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

use crate::config::{Config, ConfigError};
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

impl ConfigChoice {
    /// `--no-config` (or the editor's `noConfig`) given or not: none, or
    /// the nearest configuration file above each file.
    pub fn unless_ignored(no_config: bool) -> ConfigChoice {
        if no_config {
            ConfigChoice::Ignore
        } else {
            ConfigChoice::Discover
        }
    }
}

/// A repository's builds and the generation they were last known current in.
type BuildsSlot = Option<(Arc<workspace::Discovery>, u64)>;

/// Settings resolved for one configuration (by identity).
type Resolved = (Option<Arc<Config>>, Arc<Settings>);

pub struct Session {
    overrides: Overrides,
    choice: ConfigChoice,
    configs: workspace::config_files::ConfigFiles,
    /// Settings per configuration (by identity), before the per-file part.
    resolved: Mutex<Vec<Resolved>>,
    /// Where each file's repository starts (`workspace::root`).
    roots: workspace::Roots,
    /// The builds each repository runs, by its root, with the
    /// [`Session::invalidate`] generation they were last known current in.
    /// (One slot per root, locked while it is read: files of the same
    /// repository wait for one reading rather than each doing it.)
    builds: Mutex<HashMap<PathBuf, Arc<Mutex<BuildsSlot>>>>,
    /// Bumped by [`Session::invalidate`]: found builds are re-checked
    /// against their files' modification times, not thrown away.
    generation: std::sync::atomic::AtomicU64,
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
            configs: workspace::config_files::ConfigFiles::new(crate::settings::VOCABULARY),
            resolved: Mutex::new(Vec::new()),
            roots: workspace::Roots::default(),
            builds: Mutex::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
            files: Mutex::new(HashMap::new()),
        }
    }

    /// The folders the user named (the top of the command line's paths,
    /// the editor's workspace folders): the root of a file outside any
    /// repository that claims it (`workspace::root`).
    pub fn with_tops(mut self, tops: Vec<PathBuf>) -> Session {
        self.roots = workspace::Roots::new(tops);
        self
    }

    /// Where the repository of `path` starts.
    pub fn root_of(&self, path: &Path) -> workspace::Root {
        self.roots.root_of(path)
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
        settings_for_file(base, path, &builds).map(Arc::new)
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

    /// The builds found in the repository `path` is in, read once per
    /// repository (and again after [`Session::invalidate`] only when one of
    /// the files read, or the git index, changed).
    pub fn builds_for(&self, path: &Path) -> Arc<workspace::Discovery> {
        use std::sync::atomic::Ordering;
        let root = self.roots.root_of(path);
        let generation = self.generation.load(Ordering::Acquire);
        let slot = lock(&self.builds)
            .entry(root.dir.clone())
            .or_default()
            .clone();
        let mut slot = lock(&slot);
        if let Some((d, seen)) = slot.as_mut() {
            if *seen == generation || d.is_current() {
                *seen = generation;
                return d.clone();
            }
        }
        let d = Arc::new(workspace::discover(&root));
        *slot = Some((d.clone(), generation));
        d
    }

    /// The build files that could not be read in the repositories walked
    /// so far (`path: why`, relative to their repository), each once,
    /// sorted.
    pub fn build_problems(&self) -> Vec<String> {
        let slots: Vec<Arc<Mutex<BuildsSlot>>> = lock(&self.builds).values().cloned().collect();
        let mut out: Vec<String> = slots
            .iter()
            .filter_map(|slot| lock(slot).as_ref().map(|(d, _)| d.clone()))
            .flat_map(|d| d.problems.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Forget the configuration files read (a new `.rdock.toml` may have
    /// appeared), keeping the builds found in each repository.
    pub fn invalidate_config(&self) {
        self.configs.clear();
        lock(&self.resolved).clear();
        lock(&self.files).clear();
    }

    /// Forget everything read from disk (a configuration, build or
    /// `.dockerignore` file changed); the builds found are kept, to be
    /// read again only where a file they came from changed.
    pub fn invalidate(&self) {
        self.configs.clear();
        lock(&self.resolved).clear();
        self.roots.clear();
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        lock(&self.files).clear();
    }
}

/// `settings` completed for the Dockerfile at `path`: its build context's
/// `.dockerignore` and the builds `discovery` found for it. `None` when
/// there is nothing to add, so callers can keep sharing `settings`.
fn settings_for_file(
    settings: &Settings,
    path: &Path,
    discovery: &workspace::Discovery,
) -> Option<Settings> {
    let ignore = workspace::dockerignore_for(path);
    let found = discovery.for_dockerfile(path);
    let passed = &discovery.passed;
    if ignore.is_none() && found.is_empty() && passed.args.is_empty() && passed.contexts.is_empty()
    {
        return None;
    }
    let mut per_file = settings.clone();
    per_file.build.dockerignore = ignore.map(Arc::new);
    per_file.build.passed = discovery.passed.clone();
    if !found.is_empty() {
        per_file.build.discovered_targets = found;
        per_file.build.target_evidence = discovery.evidence.clone();
    }
    Some(per_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After `invalidate` (a watched file changed), the builds found are
    /// kept while the files they came from are unchanged, and read again
    /// when one changed.
    #[test]
    fn builds_survive_invalidation_until_a_build_file_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join(".git")).expect("mkdir");
        std::fs::write(d.join("Dockerfile"), "FROM alpine AS test\nFROM alpine\n").expect("write");
        let bake = d.join("docker-bake.hcl");
        std::fs::write(&bake, "target \"t\" {\n  target = \"test\"\n}\n").expect("write");
        let session = Session::new(Overrides::default(), ConfigChoice::Ignore);
        let file = d.join("Dockerfile");
        let first = session.builds_for(&file);
        assert_eq!(first.builds.len(), 1);
        session.invalidate();
        assert!(
            Arc::ptr_eq(&first, &session.builds_for(&file)),
            "re-read without a change"
        );
        // A later modification time (set explicitly: a rewrite within the
        // same clock tick would keep it).
        std::fs::write(&bake, "target \"t\" {\n  target = \"prod\"\n}\n").expect("write");
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&bake)
            .and_then(|f| f.set_modified(later))
            .expect("set mtime");
        // Not before invalidate: the cache is trusted until told otherwise.
        assert!(Arc::ptr_eq(&first, &session.builds_for(&file)));
        session.invalidate();
        let again = session.builds_for(&file);
        assert!(!Arc::ptr_eq(&first, &again));
        assert_eq!(again.builds[0].target.as_deref(), Some("prod"));
    }
}
