//! Helpers shared by integration tests.
#![allow(dead_code)]

pub mod lsp_client;
pub mod site;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus/files` beside the repository, if it is there.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RDOCK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus/files"));
    dir.is_dir().then_some(dir)
}

/// Every corpus file, sorted. Skips (or fails under `RDOCK_REQUIRE_EXTERNAL=1`) when absent.
pub fn corpus_files(test: &str) -> Option<Vec<PathBuf>> {
    let Some(dir) = corpus_dir() else {
        skip(test, "the corpus at ../shared/corpus/files is absent");
        return None;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// Say that a test skips because something outside the repository is missing,
/// or fail when `RDOCK_REQUIRE_EXTERNAL=1` says it must be there.
pub fn skip(test: &str, why: &str) {
    if std::env::var("RDOCK_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
        panic!("{test}: {why}, and RDOCK_REQUIRE_EXTERNAL=1 requires it");
    }
    eprintln!("SKIP {test}: {why} (set RDOCK_REQUIRE_EXTERNAL=1 to make this a failure)");
}

/// Dockerfiles in a fixture folder, sorted.
pub fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.extension().is_some_and(|e| e == "Dockerfile"));
    files.sort();
    files
}

/// The variables from `scripts/engine.sh`'s environment file
/// (`RDOCK_ENGINE_ENV`, default /opt/rdock-engine/env), or none when every
/// variable in `already` is set in the environment.
pub fn engine_env(already: &[&str]) -> Vec<(String, String)> {
    if already.iter().all(|v| std::env::var_os(v).is_some()) {
        return Vec::new();
    }
    let file = std::env::var_os("RDOCK_ENGINE_ENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/rdock-engine/env"));
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect()
}
