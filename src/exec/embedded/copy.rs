//! COPY and ADD inside the helper, with the rules of BuildKit's file
//! operation (`fsutil/copy`): the source (the context, a folder of heredoc
//! files, or another stage's tree) is mounted read-only inside the step's
//! tree, the helper `chroot`s into the tree (so links in the destination
//! resolve inside it), and each source is copied:
//! - a folder's contents go into the destination; a file goes to
//!   `DEST/name` when the destination ends with `/` or is a folder, else to
//!   `DEST`; wildcards (`*`, `?`, `[...]`, per path component) copy each
//!   match and may match nothing;
//! - the source path's own links are followed inside the source; links
//!   inside it are copied as links; hard links inside one source stay hard
//!   links;
//! - missing parent folders are made with mode 0755, owned by `--chown`
//!   (else root); a folder that is made gets the source folder's mode and
//!   owner, one that exists keeps its own (nested ones take the source's);
//! - owners: `--chown`, else root for the context, else the source's;
//!   `--chmod` sets every copied file's and folder's mode; extended
//!   attributes are copied;
//! - `.dockerignore` hides context files; ADD unpacks local tar archives
//!   (plain or gzip) into the destination.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::rootpath;
use super::spec::{CopyFrom, CopySpec, Spec};
use super::sys::{self, Result};
use crate::workspace::dockerignore::Dockerignore;

/// Where the source is mounted inside the step's tree, only while copying.
const SOURCE: &str = ".rdock-copy-source";

pub fn run(_spec: &Spec, merged: &Path, c: &CopySpec) -> Result<()> {
    let mount = merged.join(SOURCE);
    std::fs::create_dir(&mount).map_err(|e| format!("mkdir /{SOURCE}: {e}"))?;
    match &c.from {
        CopyFrom::Dir(d) => sys::bind(d, &mount, true)?,
        CopyFrom::Layers(l) => super::sandbox::overlay(l, None, &mount)?,
    }
    sys::chroot(merged)?;
    let src_root = Path::new("/").join(SOURCE);
    let result = copy_all(&src_root, c);
    let _ = sys::detach(&src_root);
    let _ = std::fs::remove_dir(&src_root);
    result
}

struct Copier<'a> {
    c: &'a CopySpec,
    ignore: Option<Dockerignore>,
    /// `--chown`, resolved in the destination.
    owner: Option<(u32, u32)>,
    /// Hard links already copied: source (device, inode) -> destination.
    links: HashMap<(u64, u64), PathBuf>,
}

fn copy_all(src_root: &Path, c: &CopySpec) -> Result<()> {
    let mut cp = Copier {
        c,
        ignore: c
            .ignore
            .as_deref()
            .map(|t| Dockerignore::parse(".dockerignore", t)),
        owner: c
            .chown
            .as_deref()
            .map(|s| super::users::chown_ids(Path::new("/"), s)),
        links: HashMap::new(),
    };
    for source in &c.sources {
        let pattern = rootpath::clean(source);
        let matches = if has_wildcard(&pattern) {
            let mut m = Vec::new();
            cp.expand(src_root, "", &components(&pattern), &mut m);
            m.sort();
            m
        } else {
            if cp.ignored(&pattern) {
                return Err(not_found(&pattern));
            }
            vec![pattern]
        };
        for m in matches {
            cp.copy_source(src_root, &m)?;
        }
    }
    Ok(())
}

fn not_found(p: &str) -> String {
    format!("failed to compute cache key: \"{p}\": not found")
}

fn components(p: &str) -> Vec<String> {
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_wildcard(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

impl Copier<'_> {
    fn ignored(&self, rel: &str) -> bool {
        self.ignore
            .as_ref()
            .is_some_and(|i| i.excluding_pattern(rel.trim_start_matches('/')).is_some())
    }

    /// Wildcard matches of `parts` under `done` (relative to the source root).
    fn expand(&self, root: &Path, done: &str, parts: &[String], out: &mut Vec<String>) {
        let Some((first, rest)) = parts.split_first() else {
            out.push(if done.is_empty() {
                "/".into()
            } else {
                done.to_string()
            });
            return;
        };
        let dir = rootpath::resolve(root, if done.is_empty() { "/" } else { done });
        if !has_wildcard(first) {
            let next = format!("{done}/{first}");
            if std::fs::symlink_metadata(rootpath::resolve_parent(root, &next)).is_ok()
                && !self.ignored(&next)
            {
                self.expand(root, &next, rest, out);
            }
            return;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        for n in names {
            let next = format!("{done}/{n}");
            if glob_match(first, &n) && !self.ignored(&next) {
                self.expand(root, &next, rest, out);
            }
        }
    }

    fn copy_source(&mut self, root: &Path, rel: &str) -> Result<()> {
        let src = rootpath::resolve(root, rel);
        let meta = std::fs::metadata(&src).map_err(|_| not_found(rel))?;
        let dest = &self.c.dest;
        let dir_dest = dest.ends_with('/');
        let dest_clean = rootpath::clean(dest);
        if meta.is_dir() {
            // The folder's contents into DEST; parents of DEST made first.
            let parent = if dir_dest {
                dest_clean.clone()
            } else {
                parent_of(&dest_clean)
            };
            self.mkdir_parents(&parent)?;
            let prefix = rel.trim_start_matches('/').to_string();
            // A link at the destination is followed (inside the tree).
            let target = rootpath::resolve(Path::new("/"), &dest_clean);
            return self.copy_entry(&src, &target, false, &prefix);
        }
        if self.c.unpack && meta.is_file() {
            if let Some(kind) = archive_kind(&src) {
                self.mkdir_parents(&dest_clean)?;
                return unpack(&src, kind, Path::new(&dest_clean));
            }
        }
        let base = Path::new(rel)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = if dir_dest || std::fs::metadata(&dest_clean).is_ok_and(|m| m.is_dir()) {
            format!("{}/{base}", dest_clean.trim_end_matches('/'))
        } else {
            dest_clean.clone()
        };
        self.mkdir_parents(&parent_of(&target))?;
        self.copy_entry(&src, Path::new(&target), true, rel.trim_start_matches('/'))
    }

    fn mkdir_parents(&self, dir: &str) -> Result<()> {
        super::sandbox::mkdir_all(
            Path::new("/"),
            dir,
            0o755,
            Some(self.owner.unwrap_or((0, 0))),
        )
    }

    /// Copy `src` (not followed) to `dst`; `overwrite_meta`: an existing
    /// folder at `dst` takes the source's mode and owner.
    fn copy_entry(
        &mut self,
        src: &Path,
        dst: &Path,
        overwrite_meta: bool,
        rel: &str,
    ) -> Result<()> {
        let m = std::fs::symlink_metadata(src).map_err(|e| format!("{}: {e}", src.display()))?;
        let ft = m.file_type();
        let existing = std::fs::symlink_metadata(dst).ok();
        let err = |e: std::io::Error| format!("copy to {}: {e}", dst.display());
        if ft.is_dir() {
            let made = match &existing {
                Some(e) if e.is_dir() => false,
                Some(_) => {
                    std::fs::remove_file(dst).map_err(err)?;
                    std::fs::create_dir(dst).map_err(err)?;
                    true
                }
                None => {
                    std::fs::create_dir(dst).map_err(err)?;
                    true
                }
            };
            if made || overwrite_meta {
                self.apply_meta(src, dst, &m)?;
            }
            let mut names: Vec<_> = std::fs::read_dir(src)
                .map_err(|e| format!("{}: {e}", src.display()))?
                .filter_map(|e| e.ok().map(|e| e.file_name()))
                .collect();
            names.sort();
            let reincludes = self.ignore.is_some();
            for n in names {
                let child_rel = crate::workspace::dockerignore::child(rel, &n);
                let child_src = src.join(&n);
                if self.ignored(&child_rel) {
                    // A folder that is excluded may hold re-included (`!`) files.
                    let is_dir = std::fs::symlink_metadata(&child_src).is_ok_and(|m| m.is_dir());
                    if !(is_dir && reincludes && self.has_negations()) {
                        continue;
                    }
                }
                self.copy_entry(&child_src, &dst.join(&n), true, &child_rel)?;
            }
            return Ok(());
        }
        if let Some(e) = &existing {
            if e.is_dir() {
                return Err(format!(
                    "cannot copy to {}: a directory is there",
                    dst.display()
                ));
            }
            std::fs::remove_file(dst).map_err(err)?;
        }
        if ft.is_symlink() {
            let target = std::fs::read_link(src).map_err(err)?;
            std::os::unix::fs::symlink(&target, dst).map_err(err)?;
            let (u, g) = self.ids(&m);
            return sys::lchown(dst, u, g);
        }
        let key = (m.dev(), m.ino());
        if m.nlink() > 1 && !ft.is_dir() {
            if let Some(first) = self.links.get(&key) {
                return std::fs::hard_link(first, dst).map_err(err);
            }
        }
        if ft.is_file() {
            std::fs::copy(src, dst).map_err(err)?;
        } else if ft.is_fifo() || ft.is_char_device() || ft.is_block_device() {
            let p = std::ffi::CString::new(dst.as_os_str().as_encoded_bytes())
                .map_err(|e| e.to_string())?;
            // SAFETY: a valid path; the mode and device come from the source.
            if unsafe { libc::mknod(p.as_ptr(), m.mode(), m.rdev()) } != 0 {
                return Err(err(std::io::Error::last_os_error()));
            }
        } else {
            return Ok(()); // sockets are not copied
        }
        if m.nlink() > 1 {
            self.links.insert(key, dst.to_path_buf());
        }
        self.apply_meta(src, dst, &m)
    }

    fn has_negations(&self) -> bool {
        self.c
            .ignore
            .as_deref()
            .is_some_and(|t| t.lines().any(|l| l.trim_start().starts_with('!')))
    }

    fn ids(&self, m: &std::fs::Metadata) -> (u32, u32) {
        match self.owner {
            Some(o) => o,
            None if self.c.reset_owner => (0, 0),
            None => (m.uid(), m.gid()),
        }
    }

    fn apply_meta(&self, src: &Path, dst: &Path, m: &std::fs::Metadata) -> Result<()> {
        let (u, g) = self.ids(m);
        sys::lchown(dst, u, g)?;
        let mode = self.c.chmod.unwrap_or(m.mode() & 0o7777);
        sys::chmod(dst, mode)?;
        for (k, v) in super::export::xattrs(src) {
            let _ = xattr::set(dst, &k, &v);
        }
        Ok(())
    }
}

fn parent_of(p: &str) -> String {
    match p.trim_end_matches('/').rsplit_once('/') {
        Some((a, _)) if !a.is_empty() => a.to_string(),
        _ => "/".into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Archive {
    Tar,
    Gzip,
}

/// What ADD unpacks: a tar archive, plain or gzip-compressed.
fn archive_kind(p: &Path) -> Option<Archive> {
    let mut head = [0u8; 512];
    let mut f = std::fs::File::open(p).ok()?;
    let n = f.read(&mut head).ok()?;
    if n >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        // A gzip file is unpacked only when it holds a tar archive.
        let mut gz = flate2::read::GzDecoder::new(std::fs::File::open(p).ok()?);
        let mut inner = [0u8; 512];
        let mut got = 0;
        while got < 512 {
            match gz.read(&mut inner[got..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => got += k,
            }
        }
        return (got >= 262 && &inner[257..262] == b"ustar").then_some(Archive::Gzip);
    }
    (n >= 262 && &head[257..262] == b"ustar").then_some(Archive::Tar)
}

fn unpack(src: &Path, kind: Archive, dest: &Path) -> Result<()> {
    let f = std::fs::File::open(src).map_err(|e| e.to_string())?;
    let reader: Box<dyn Read> = match kind {
        Archive::Tar => Box::new(f),
        Archive::Gzip => Box::new(flate2::read::GzDecoder::new(f)),
    };
    let mut a = tar::Archive::new(reader);
    a.set_preserve_permissions(true);
    a.set_preserve_ownerships(true);
    a.set_unpack_xattrs(true);
    a.set_overwrite(true);
    a.unpack(dest)
        .map_err(|e| format!("unpack {} into {}: {e}", src.display(), dest.display()))
}

/// Go's `filepath.Match` for one path component.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| go(&p[1..], &n[k..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(c) = n.first() else { return false };
                let mut i = 1;
                let negate = matches!(p.get(1), Some('^') | Some('!'));
                if negate {
                    i += 1;
                }
                let mut hit = false;
                let mut first = true;
                while i < p.len() && (p[i] != ']' || first) {
                    first = false;
                    let mut lo = p[i];
                    if lo == '\\' && i + 1 < p.len() {
                        i += 1;
                        lo = p[i];
                    }
                    let mut hi = lo;
                    if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|c| *c != ']') {
                        hi = p[i + 2];
                        i += 2;
                    }
                    if lo <= *c && *c <= hi {
                        hit = true;
                    }
                    i += 1;
                }
                if i >= p.len() {
                    return false;
                }
                hit != negate && go(&p[i + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && go(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_go() {
        assert!(glob_match("*.txt", "a.txt"));
        assert!(!glob_match("*.txt", "a.txt.bak"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[^a-c]x", "bx"));
        assert!(glob_match("\\*", "*"));
        assert_eq!(parent_of("/a/b/"), "/a");
        assert_eq!(parent_of("/a"), "/");
    }
}
