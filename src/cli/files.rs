//! Finding Dockerfiles: explicit files as given, directories walked in
//! parallel with the `ignore` crate (gitignore honoured).

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

/// Whether a file name is one rdock lints when walking a directory.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
        || lower.starts_with("containerfile.")
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked, with the reason.
    pub errors: Vec<(PathBuf, String)>,
}

/// Expand the paths given on the command line into files to lint, sorted.
pub fn collect(paths: &[PathBuf]) -> Found {
    let found = Mutex::new(Found::default());
    for path in paths {
        if !path.exists() && path.symlink_metadata().is_err() {
            lock(&found)
                .errors
                .push((path.clone(), "no such file or directory".into()));
            continue;
        }
        if !path.is_dir() {
            lock(&found).files.push(path.clone());
            continue;
        }
        let walker = WalkBuilder::new(path)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            let found = &found;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        let is_file = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
                        if is_file && is_dockerfile_name(&e.file_name().to_string_lossy()) {
                            lock(found).files.push(e.into_path());
                        }
                    }
                    Err(err) => {
                        let p = err_path(&err).unwrap_or_else(|| path.clone());
                        lock(found).errors.push((p, err.to_string()));
                    }
                }
                WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // `./Dockerfile` and `Dockerfile` are one file, shown as `Dockerfile`:
    // sort and deduplicate by the path as shown.
    for file in &mut found.files {
        *file = without_leading_curdir(file);
    }
    found.files.sort();
    found.files.dedup();
    found.errors.sort();
    found
}

/// `path` without leading `.` components (`./a/Dockerfile` is `a/Dockerfile`).
fn without_leading_curdir(path: &Path) -> PathBuf {
    let mut components = path.components().peekable();
    while components.peek() == Some(&Component::CurDir) {
        components.next();
    }
    let rest: PathBuf = components.collect();
    if rest.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        rest
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn err_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            err_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// Show a path the way the user gave it, without a leading `./`.
pub fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.dev",
            "app.Dockerfile",
            "x.dockerfile",
            "Containerfile",
            "Containerfile.prod",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfiles",
            "README.md",
            "dockerfile-lint",
            "Makefile",
            "docker-compose.yml",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }
}
