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

/// `Dockerfile-windows`, `Dockerfile_test`, `Containerfile-cuda`: a name
/// that may be a Dockerfile; the walk takes it when its text starts like
/// one ([`starts_like_a_dockerfile`]). Names with the extension of another
/// kind of file (`dockerfile-lint.yml`) are not.
pub fn may_be_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("dockerfile")
        .or_else(|| lower.strip_prefix("containerfile"));
    let Some(rest) = rest else { return false };
    const OTHER: [&str; 14] = [
        "yml", "yaml", "json", "md", "txt", "sh", "py", "toml", "lock", "js", "ts", "go", "rs",
        "bak",
    ];
    rest.starts_with(['-', '_'])
        && !rest
            .rsplit_once('.')
            .is_some_and(|(_, ext)| OTHER.contains(&ext))
}

/// Whether the first instruction of `head` (the start of a file) is FROM or
/// ARG, after comments, blank lines and parser directives.
pub fn starts_like_a_dockerfile(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| {
            let word = l
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            word == "FROM" || word == "ARG"
        })
}

fn sniff(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    starts_like_a_dockerfile(&head[..n])
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    /// Paths that could not be walked, with the reason.
    pub errors: Vec<(PathBuf, String)>,
    /// Files found by walking a folder through a symbolic link that lands
    /// outside every folder given, with where it lands: linted, but never
    /// written (`--fix`) unless named on the command line.
    pub outside: Vec<(PathBuf, PathBuf)>,
    /// Paths left out because another path found is the same file (a link
    /// and its target): (left out, the one linted).
    pub same: Vec<(PathBuf, PathBuf)>,
}

/// One file found, before files reached twice are merged.
#[derive(Debug)]
struct Candidate {
    path: PathBuf,
    /// Named on the command line (not found by a walk).
    explicit: bool,
    /// The path is a symbolic link.
    link: bool,
}

/// Expand the paths given on the command line into files to lint, sorted.
pub fn collect(paths: &[PathBuf]) -> Found {
    let found = Mutex::new(Found::default());
    let candidates = Mutex::new(Vec::new());
    // The folders given, by their real paths: a walk writes only inside them.
    let roots: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for path in paths {
        if !path.exists() && path.symlink_metadata().is_err() {
            lock(&found)
                .errors
                .push((path.clone(), "no such file or directory".into()));
            continue;
        }
        if !path.is_dir() {
            lock(&candidates).push(Candidate {
                path: path.clone(),
                explicit: true,
                link: path.is_symlink(),
            });
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
            let candidates = &candidates;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        let link = e.file_type().is_some_and(|t| t.is_symlink());
                        let is_file = e.file_type().is_some_and(|t| t.is_file()) || link;
                        let name = e.file_name().to_string_lossy();
                        // `Dockerfile.dockerignore` is the Dockerfile's
                        // `.dockerignore` (BuildKit), not a Dockerfile.
                        let ignore_file = name.to_ascii_lowercase().ends_with(".dockerignore");
                        if is_file
                            && !ignore_file
                            && (is_dockerfile_name(&name)
                                || (may_be_dockerfile_name(&name) && sniff(e.path())))
                        {
                            lock(candidates).push(Candidate {
                                path: e.into_path(),
                                explicit: false,
                                link,
                            });
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
    let candidates = candidates.into_inner().unwrap_or_else(|e| e.into_inner());
    merge(&mut found, candidates, &roots);
    found.errors.sort();
    found
}

/// Each file once, by its real path: `./Dockerfile` and `Dockerfile`, or a
/// link and its target, are one file (linted and fixed once, by the path
/// that is not a link, else the first). A file found by a walk whose real
/// path is outside every folder given (`roots`) is marked `outside`.
fn merge(found: &mut Found, mut candidates: Vec<Candidate>, roots: &[PathBuf]) {
    for c in &mut candidates {
        c.path = without_leading_curdir(&c.path);
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    // By real path; a path that does not resolve (a loop, a dangling link)
    // stands alone, and its read error is reported.
    let mut groups: Vec<(Option<PathBuf>, Vec<Candidate>)> = Vec::new();
    let mut index: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for c in candidates {
        let real = std::fs::canonicalize(&c.path).ok();
        let key = real.clone().unwrap_or_else(|| c.path.clone());
        match index.get(&key) {
            Some(&i) => groups[i].1.push(c),
            None => {
                index.insert(key, groups.len());
                groups.push((real, vec![c]));
            }
        }
    }
    for (real, mut group) in groups {
        let explicit = group.iter().any(|c| c.explicit);
        // Not a link first, then named on the command line, then by path.
        let keep = (0..group.len())
            .min_by_key(|&i| (group[i].link, !group[i].explicit, i))
            .unwrap_or(0);
        let kept = group.swap_remove(keep);
        for other in group {
            if other.path != kept.path {
                found.same.push((other.path, kept.path.clone()));
            }
        }
        if let Some(real) = real {
            if !explicit && !roots.iter().any(|r| real.starts_with(r)) {
                found.outside.push((kept.path.clone(), real));
            }
        }
        found.files.push(kept.path);
    }
    found.files.sort();
    found.same.sort();
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
        for (name, yes) in [
            ("Dockerfile-windows", true),
            ("Dockerfile_test_run", true),
            ("Containerfile-cuda", true),
            ("dockerfile-lint.yml", false),
            ("dockerfile-readiness.lock.yml", false),
            ("Dockerfiles", false),
        ] {
            assert_eq!(may_be_dockerfile_name(name), yes, "{name}");
        }
        assert!(starts_like_a_dockerfile(
            b"# syntax=docker/dockerfile:1\n\nARG A\nFROM x\n"
        ));
        assert!(starts_like_a_dockerfile(b"from x\n"));
        assert!(!starts_like_a_dockerfile(b"#!/bin/sh\necho hi\n"));
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
