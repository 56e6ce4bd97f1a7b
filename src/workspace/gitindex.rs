//! The paths a git checkout tracks, read from its index file (`.git/index`,
//! formats 2 to 4) without running git: which folders belong to the
//! checkout, and which files can name builds, without walking the tree.

use std::path::{Path, PathBuf};

/// The tracked paths of one checkout, relative to it, `/`-separated and
/// sorted (git's order is bytewise, which is what binary search needs).
#[derive(Debug, Default)]
pub struct Tracked {
    pub paths: Vec<String>,
}

impl Tracked {
    /// Whether some tracked file lies in the folder `rel` (relative to the
    /// checkout, `/`-separated; empty for the checkout itself), at any depth.
    pub fn has_under(&self, rel: &str) -> bool {
        if rel.is_empty() {
            return !self.paths.is_empty();
        }
        let prefix = format!("{}/", rel.trim_end_matches('/'));
        let i = self.paths.partition_point(|p| p.as_str() < prefix.as_str());
        self.paths.get(i).is_some_and(|p| p.starts_with(&prefix))
    }

    /// The tracked paths in the folder `rel` and below, relative to the checkout.
    pub fn under<'a>(&'a self, rel: &str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if rel.is_empty() {
            String::new()
        } else {
            format!("{}/", rel.trim_end_matches('/'))
        };
        let i = self.paths.partition_point(|p| p.as_str() < prefix.as_str());
        self.paths[i..]
            .iter()
            .take_while(move |p| p.starts_with(&prefix))
            .map(String::as_str)
    }
}

/// The git folder of a checkout: `.git` itself, or the folder a `.git`
/// file points to (`gitdir: ...`, worktrees and submodules).
fn git_dir(checkout: &Path) -> Option<PathBuf> {
    let dot = checkout.join(".git");
    if dot.is_dir() {
        return Some(dot);
    }
    let text = std::fs::read_to_string(&dot).ok()?;
    let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    Some(checkout.join(target))
}

/// The index file of the checkout at `checkout`, when it has one.
pub fn index_file(checkout: &Path) -> Option<PathBuf> {
    Some(git_dir(checkout)?.join("index")).filter(|p| p.is_file())
}

/// The tracked paths of the checkout at `checkout`; `None` when it has no
/// index or one this reader does not follow (an unknown version, a
/// truncated file, a split index whose shared part is missing): the caller
/// walks the tree instead.
pub fn read(checkout: &Path) -> Option<Tracked> {
    let index = index_file(checkout)?;
    let bytes = std::fs::read(&index).ok()?;
    let (own, link) = entries(&bytes)?;
    let Some(link) = link else {
        return Some(tracked(own));
    };
    // A split index (`git update-index --split-index`, `core.splitIndex`):
    // the entries live in `sharedindex.<hex>` beside it, less those the
    // delete bitmap marks; this file's own entries replace some of them (an
    // empty name: same path) or add new ones.
    let shared = index.with_file_name(format!("sharedindex.{}", hex(&link.shared)));
    let (base, _) = entries(&std::fs::read(shared).ok()?)?;
    let mut all: Vec<Entry> = base
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !link.deleted.contains(i))
        .map(|(_, e)| e)
        .collect();
    all.extend(own.into_iter().filter(|e| !e.name.is_empty()));
    Some(tracked(all))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// One index entry: its path, merge stage and mode.
struct Entry {
    name: Vec<u8>,
    stage: u16,
    mode: u32,
}

/// The paths of stage 0 that are not gitlinks (submodules are folders with
/// their own `.git`; a merge in progress lists a path up to three times),
/// sorted.
fn tracked(entries: Vec<Entry>) -> Tracked {
    let mut paths: Vec<String> = entries
        .into_iter()
        .filter(|e| e.stage == 0 && e.mode & 0o170000 != 0o160000)
        .map(|e| String::from_utf8_lossy(&e.name).into_owned())
        .collect();
    paths.sort_unstable();
    paths.dedup();
    Tracked { paths }
}

/// The `link` extension of a split index: the shared index's hash, and the
/// positions of its entries this index deletes.
struct Link {
    shared: Vec<u8>,
    deleted: std::collections::HashSet<usize>,
}

/// The bit positions set in an EWAH-compressed bitmap at `b[at..]` (git's
/// `ewah/ewah_io.c`), and the bytes it takes.
fn ewah(b: &[u8], at: usize) -> Option<(Vec<usize>, usize)> {
    let words = be32(b, at + 4)? as usize;
    let word = |i: usize| -> Option<u64> {
        let o = at + 8 + i * 8;
        Some(u64::from_be_bytes(b.get(o..o + 8)?.try_into().ok()?))
    };
    let mut set = Vec::new();
    let (mut i, mut pos) = (0usize, 0usize);
    while i < words {
        // A run-length word: the bit of the run, the run's length in words,
        // then how many literal words follow.
        let rlw = word(i)?;
        let run_bit = rlw & 1 == 1;
        let run = ((rlw >> 1) & 0xffff_ffff) as usize;
        let literals = (rlw >> 33) as usize;
        if run_bit {
            set.extend(pos..pos + run * 64);
        }
        pos += run * 64;
        for k in 0..literals {
            let w = word(i + 1 + k)?;
            set.extend((0..64).filter(|bit| w >> bit & 1 == 1).map(|bit| pos + bit));
            pos += 64;
        }
        i += 1 + literals;
    }
    // Bit count, word count, the words, the position of the last RLW.
    Some((set, 8 + words * 8 + 4))
}

/// Parse an index file's bytes (git's `Documentation/gitformat-index.txt`).
pub fn parse(b: &[u8]) -> Option<Tracked> {
    match entries(b)? {
        (e, None) => Some(tracked(e)),
        // (The shared part is in another file: see [`read`].)
        (_, Some(_)) => None,
    }
}

/// The entries of an index file, in order, and its `link` extension when
/// it is a split index.
fn entries(b: &[u8]) -> Option<(Vec<Entry>, Option<Link>)> {
    if b.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(b, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(b, 8)? as usize;
    let mut at = 12;
    let mut out = Vec::with_capacity(count.min(1 << 20));
    let mut previous: Vec<u8> = Vec::new();
    // ctime, mtime (8 + 8), dev, ino, mode, uid, gid, size (6 * 4), a SHA-1
    // (20; SHA-256 repositories are not read), flags (2).
    const FIXED: usize = 62;
    for _ in 0..count {
        let start = at;
        let mode = be32(b, at + 24)?;
        let flags = u16::from_be_bytes(b.get(at + 60..at + 62)?.try_into().ok()?);
        at += FIXED;
        if version >= 3 && flags & 0x4000 != 0 {
            at += 2;
        }
        let name = if version == 4 {
            // The number of bytes to drop from the previous name, then the rest.
            let mut c = *b.get(at)?;
            at += 1;
            let mut strip = usize::from(c & 0x7f);
            while c & 0x80 != 0 {
                c = *b.get(at)?;
                at += 1;
                strip = ((strip + 1) << 7) | usize::from(c & 0x7f);
            }
            let end = at + b.get(at..)?.iter().position(|&x| x == 0)?;
            let keep = previous.len().checked_sub(strip)?;
            let mut name = previous[..keep].to_vec();
            name.extend_from_slice(&b[at..end]);
            at = end + 1;
            name
        } else {
            let end = at + b.get(at..)?.iter().position(|&x| x == 0)?;
            let name = b[at..end].to_vec();
            // Padded with 1 to 8 NULs to a multiple of 8 bytes.
            let len = end - start;
            at = start + (len + 8) / 8 * 8;
            name
        };
        previous = name.clone();
        out.push(Entry {
            name,
            stage: (flags >> 12) & 0x3,
            mode,
        });
    }
    // Extensions, before the trailing hash; `link` makes it a split index.
    let mut link = None;
    while at + 8 <= b.len().saturating_sub(20) {
        let sig = b.get(at..at + 4)?;
        let size = be32(b, at + 4)? as usize;
        if sig == b"link" {
            let data = at + 8;
            let shared = b.get(data..data + 20)?.to_vec();
            let mut deleted = std::collections::HashSet::new();
            // (A split index written before any change has no bitmaps.)
            if size > 20 {
                let (positions, _) = ewah(b, data + 20)?;
                deleted.extend(positions);
            }
            link = Some(Link { shared, deleted });
        }
        at += 8 + size;
    }
    Some((out, link))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `git ls-files` lists in `d`, sorted.
    fn ls_files(d: &Path) -> Vec<String> {
        let out = std::process::Command::new("git")
            .args(["-c", "core.quotepath=off", "ls-files"])
            .current_dir(d)
            .output()
            .expect("ls-files");
        let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        v.sort();
        v
    }

    fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    }

    /// The reader agrees with `git ls-files` for every index version.
    #[test]
    fn every_index_version_reads_like_git_ls_files() {
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_err()
        {
            return;
        }
        for version in ["2", "3", "4"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let d = dir.path();
            git(d, &["init", "-q"]);
            for f in [
                "Dockerfile",
                "a/b/docker-bake.hcl",
                "a/bc/Makefile",
                "a/b/c/deep/name/that/is/long/compose.yaml",
                "ü/ünïcode.sh",
            ] {
                std::fs::create_dir_all(d.join(f).parent().expect("parent")).expect("mkdir");
                std::fs::write(d.join(f), "x").expect("write");
            }
            git(d, &["add", "-A"]);
            // `-N` (intent to add) sets the extended flags of version 3.
            std::fs::write(d.join("later.sh"), "x").expect("write");
            git(d, &["add", "-N", "later.sh"]);
            git(d, &["update-index", "--index-version", version]);
            let t = read(d).expect("index read");
            assert_eq!(t.paths, ls_files(d), "index version {version}");
            assert!(t.has_under("a/b"));
            assert!(t.has_under("a"));
            assert!(!t.has_under("a/b/c/deep/nothing"));
            assert!(!t.has_under("b"));
            assert_eq!(t.under("a/b").count(), 2);
        }
    }

    /// A split index (`git update-index --split-index`): the shared part,
    /// less what the delete bitmap removes, plus the entries added since;
    /// like `git ls-files` again. Without its shared file, `None`, and the
    /// caller walks the tree.
    #[test]
    fn split_index_reads_like_git_ls_files() {
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_err()
        {
            return;
        }
        for version in ["2", "4"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let d = dir.path();
            git(d, &["init", "-q"]);
            // Keep every change in the split part (git merges it into a new
            // shared index past 20 % by default).
            git(d, &["config", "splitIndex.maxPercentChange", "100"]);
            let files: Vec<String> = (0..150)
                .map(|i| format!("dir{}/file{i}.sh", i % 7))
                .chain(["Dockerfile".into(), "docker-bake.hcl".into()])
                .collect();
            for f in &files {
                std::fs::create_dir_all(d.join(f).parent().expect("parent")).expect("mkdir");
                std::fs::write(d.join(f), "x").expect("write");
            }
            git(d, &["add", "-A"]);
            git(d, &["update-index", "--index-version", version]);
            git(d, &["update-index", "--split-index"]);
            // Read right after the split (no bitmaps yet).
            assert_eq!(read(d).expect("split index").paths, ls_files(d));
            // Added, changed (a replacement) and removed entries (past the
            // first 64, so that the delete bitmap has a run and literals).
            std::fs::write(d.join("new/compose.yaml"), "x")
                .or_else(|_| {
                    std::fs::create_dir_all(d.join("new"))?;
                    std::fs::write(d.join("new/compose.yaml"), "x")
                })
                .expect("write");
            std::fs::write(d.join("Dockerfile"), "FROM alpine\n").expect("write");
            git(d, &["add", "new/compose.yaml", "Dockerfile"]);
            git(
                d,
                &[
                    "rm",
                    "-q",
                    "--cached",
                    "dir3/file143.sh",
                    "dir0/file0.sh",
                    "docker-bake.hcl",
                ],
            );
            let index = std::fs::read(d.join(".git/index")).expect("index");
            assert!(index.windows(4).any(|w| w == b"link"), "not a split index");
            let t = read(d).expect("split index");
            let want = ls_files(d);
            assert_eq!(t.paths, want, "index version {version}");
            assert!(t.paths.contains(&"new/compose.yaml".to_string()));
            assert!(!t.paths.contains(&"docker-bake.hcl".to_string()));
            // The index alone cannot be read; without the shared file, none.
            assert!(parse(&index).is_none());
            for e in std::fs::read_dir(d.join(".git")).expect("ls .git") {
                let p = e.expect("entry").path();
                if p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("sharedindex."))
                {
                    std::fs::remove_file(p).expect("rm");
                }
            }
            assert!(read(d).is_none());
        }
    }

    #[test]
    fn not_an_index() {
        assert!(parse(b"").is_none());
        assert!(parse(b"DIRC\0\0\0\x09\0\0\0\0").is_none());
        // Says it has an entry but ends.
        assert!(parse(b"DIRC\0\0\0\x02\0\0\0\x01").is_none());
    }
}
