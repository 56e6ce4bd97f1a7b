//! A filesystem as exported by the engine's tar exporter, read into entries
//! that can be compared one by one.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use sha2::{Digest, Sha256};

/// Files up to this size keep their bytes, for text diffs in reports.
pub const KEEP_CONTENT: u64 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "directory",
            Kind::Symlink => "symlink",
            Kind::CharDevice => "character device",
            Kind::BlockDevice => "block device",
            Kind::Fifo => "fifo",
        }
    }
}

/// One path of the filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// SHA-256 of the content (files only).
    pub sha256: Option<String>,
    /// The bytes of small files.
    pub content: Option<Vec<u8>>,
    pub link_target: Option<String>,
    /// Extended attributes (`security.capability` included), name to value.
    pub xattrs: BTreeMap<String, Vec<u8>>,
    /// Major and minor numbers of devices.
    pub device: Option<(u32, u32)>,
    /// The other paths that are hard links to the same file.
    pub hardlinks: BTreeSet<String>,
}

/// Every entry of a filesystem, by absolute path.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub entries: BTreeMap<String, Entry>,
}

/// `./usr/bin/` -> `/usr/bin`.
fn normalise(path: &str) -> String {
    let p = path.trim_start_matches("./").trim_start_matches('/');
    let p = p.trim_end_matches('/');
    if p.is_empty() || p == "." {
        "/".into()
    } else {
        format!("/{p}")
    }
}

impl Snapshot {
    /// Read a tar stream (the engine's `type=tar` export).
    pub fn from_tar(reader: impl Read) -> std::io::Result<Snapshot> {
        let mut archive = tar::Archive::new(reader);
        let mut entries = BTreeMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        for e in archive.entries()? {
            let mut e = e?;
            let path = normalise(&String::from_utf8_lossy(&e.path_bytes()));
            let header = e.header().clone();
            let mut xattrs = BTreeMap::new();
            if let Some(pax) = e.pax_extensions()? {
                for ext in pax {
                    let ext = ext?;
                    if let Some(name) = ext.key_bytes().strip_prefix(b"SCHILY.xattr.") {
                        xattrs.insert(
                            String::from_utf8_lossy(name).into_owned(),
                            ext.value_bytes().to_vec(),
                        );
                    }
                }
            }
            let et = header.entry_type();
            if et.is_hard_link() {
                let target = e
                    .link_name_bytes()
                    .map(|l| normalise(&String::from_utf8_lossy(&l)))
                    .unwrap_or_default();
                links.push((path, target));
                continue;
            }
            let kind = if et.is_dir() {
                Kind::Dir
            } else if et.is_symlink() {
                Kind::Symlink
            } else if et.is_character_special() {
                Kind::CharDevice
            } else if et.is_block_special() {
                Kind::BlockDevice
            } else if et.is_fifo() {
                Kind::Fifo
            } else {
                Kind::File
            };
            let (mut sha256, mut content, mut size) = (None, None, 0);
            if kind == Kind::File {
                let mut hasher = Sha256::new();
                let mut buf = [0u8; 64 * 1024];
                let mut kept = Vec::new();
                loop {
                    let n = e.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    if size + (n as u64) <= KEEP_CONTENT {
                        kept.extend_from_slice(&buf[..n]);
                    }
                    size += n as u64;
                }
                sha256 = Some(
                    hasher
                        .finalize()
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                );
                content = (size <= KEEP_CONTENT).then_some(kept);
            }
            let device = matches!(kind, Kind::CharDevice | Kind::BlockDevice).then(|| {
                (
                    header.device_major().ok().flatten().unwrap_or(0),
                    header.device_minor().ok().flatten().unwrap_or(0),
                )
            });
            let link_target = if kind == Kind::Symlink {
                e.link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
            } else {
                None
            };
            entries.insert(
                path,
                Entry {
                    kind,
                    mode: header.mode().unwrap_or(0) & 0o7777,
                    uid: header.uid().unwrap_or(0),
                    gid: header.gid().unwrap_or(0),
                    size,
                    sha256,
                    content,
                    link_target,
                    xattrs,
                    device,
                    hardlinks: BTreeSet::new(),
                },
            );
        }
        // A hard link is the same file under another path: give it the
        // target's metadata and record the group on every member.
        let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, target) in links {
            let Some(t) = entries.get(&target).cloned() else {
                continue;
            };
            entries.insert(path.clone(), t);
            let g = groups.entry(target.clone()).or_default();
            g.insert(target);
            g.insert(path);
        }
        for members in groups.values() {
            for m in members {
                if let Some(e) = entries.get_mut(m) {
                    e.hardlinks = members.iter().filter(|o| *o != m).cloned().collect();
                }
            }
        }
        Ok(Snapshot { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        b.into_inner().unwrap()
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, data).unwrap();
    }

    #[test]
    fn reads_files_links_and_hardlinks() {
        let data = tar_of(|b| {
            file(b, "./app/a", 0o4755, b"hi\n");
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Link);
            h.set_size(0);
            b.append_link(&mut h, "app/b", "app/a").unwrap();
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, "app/c", "a").unwrap();
        });
        let s = Snapshot::from_tar(&data[..]).unwrap();
        let a = &s.entries["/app/a"];
        assert_eq!(a.mode, 0o4755);
        assert_eq!(a.content.as_deref(), Some(&b"hi\n"[..]));
        assert_eq!(a.hardlinks.iter().collect::<Vec<_>>(), ["/app/b"]);
        assert_eq!(s.entries["/app/b"].sha256, a.sha256);
        assert_eq!(s.entries["/app/c"].link_target.as_deref(), Some("a"));
        assert_eq!(s.entries["/app/c"].kind, Kind::Symlink);
    }
}
