//! Paths inside an image's tree, resolved the way a process whose root is
//! that tree would see them: symbolic links are followed, absolute ones
//! from the tree's root, and `..` never climbs above it (BuildKit's
//! `fs.RootPath`). The sandbox reads and prepares a step's tree from the
//! host side with these, so a link in an image cannot point it at the
//! host's files.

use std::path::{Component, Path, PathBuf};

/// `path` (absolute or relative to the tree's root) inside `root`, every
/// link followed, the last one too.
pub fn resolve(root: &Path, path: &str) -> PathBuf {
    resolve_with(root, path, true)
}

/// Like [`resolve`], leaving a link at the last component as it is.
pub fn resolve_parent(root: &Path, path: &str) -> PathBuf {
    resolve_with(root, path, false)
}

fn resolve_with(root: &Path, path: &str, follow_last: bool) -> PathBuf {
    // The components still to walk, last first.
    let mut todo: Vec<String> = components(path).into_iter().rev().collect();
    let mut done: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            done.pop();
            continue;
        }
        let mut here = root.to_path_buf();
        here.extend(&done);
        here.push(&c);
        let last = todo.is_empty();
        match std::fs::symlink_metadata(&here) {
            Ok(m) if m.file_type().is_symlink() && (!last || follow_last) && hops < 40 => {
                hops += 1;
                let target = std::fs::read_link(&here).unwrap_or_default();
                let t = target.to_string_lossy().into_owned();
                if t.starts_with('/') {
                    done.clear();
                }
                for part in components(&t).into_iter().rev() {
                    todo.push(part);
                }
            }
            _ => done.push(c),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(done);
    out
}

fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// `/a/./b/../c/` -> `/a/c` (lexically, like Go's `path.Clean` of an absolute path).
pub fn clean(path: &str) -> String {
    format!("/{}", crate::workspace::dockerignore::clean(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_stay_inside_the_root() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("usr/lib")).unwrap();
        symlink("/usr/lib", r.join("lib")).unwrap();
        symlink("../../../../etc", r.join("usr/up")).unwrap();
        symlink("/", r.join("usr/lib/root")).unwrap();
        assert_eq!(resolve(r, "/lib/x"), r.join("usr/lib/x"));
        assert_eq!(resolve(r, "usr/up/passwd"), r.join("etc/passwd"));
        assert_eq!(resolve(r, "/lib/root/etc"), r.join("etc"));
        assert_eq!(resolve(r, "/../../etc/passwd"), r.join("etc/passwd"));
        assert_eq!(resolve_parent(r, "/lib"), r.join("lib"));
        assert_eq!(clean("/a/./b/../c/"), "/a/c");
        assert_eq!(clean("x/.."), "/");
    }
}
