//! The export: a merged tree written as a tar file the way BuildKit's tar
//! exporter writes it (paths without a leading `./`, folders with a
//! trailing `/`, numeric owners, extended attributes as PAX records, hard
//! links as links to the first path) with every mtime at the build's
//! `SOURCE_DATE_EPOCH`.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use super::sys::Result;

/// Write the tree at `root` to `tar`, every mtime at `epoch`.
pub fn write(root: &Path, tar: &Path, epoch: u64) -> Result<()> {
    let file = File::create(tar).map_err(|e| format!("{}: {e}", tar.display()))?;
    let mut b = tar::Builder::new(BufWriter::new(file));
    b.follow_symlinks(false);
    let mut seen: HashMap<(u64, u64), String> = HashMap::new();
    walk(root, "", &mut b, &mut seen, epoch).map_err(|e| format!("export: {e}"))?;
    b.into_inner()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .map_err(|e| format!("export: {e}"))?;
    Ok(())
}

fn walk(
    dir: &Path,
    rel: &str,
    b: &mut tar::Builder<BufWriter<File>>,
    seen: &mut HashMap<(u64, u64), String>,
    epoch: u64,
) -> std::io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let name = name.to_string_lossy();
        let rel = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let m = std::fs::symlink_metadata(&path)?;
        let ft = m.file_type();
        if ft.is_socket() {
            continue;
        }
        let mut h = tar::Header::new_gnu();
        h.set_mode(m.mode() & 0o7777);
        h.set_uid(m.uid() as u64);
        h.set_gid(m.gid() as u64);
        h.set_mtime(epoch);
        h.set_size(0);
        if !ft.is_symlink() {
            let attrs = xattrs(&path);
            if !attrs.is_empty() {
                let pax: Vec<(String, Vec<u8>)> = attrs
                    .into_iter()
                    .map(|(k, v)| (format!("SCHILY.xattr.{k}"), v))
                    .collect();
                b.append_pax_extensions(pax.iter().map(|(k, v)| (k.as_str(), v.as_slice())))?;
            }
        }
        if ft.is_dir() {
            h.set_entry_type(tar::EntryType::Directory);
            b.append_data(&mut h, format!("{rel}/"), std::io::empty())?;
            walk(&path, &rel, b, seen, epoch)?;
        } else if ft.is_symlink() {
            h.set_entry_type(tar::EntryType::Symlink);
            let target = std::fs::read_link(&path)?;
            b.append_link(&mut h, &rel, target)?;
        } else if let Some(first) = (m.nlink() > 1)
            .then(|| seen.get(&(m.dev(), m.ino())).cloned())
            .flatten()
        {
            h.set_entry_type(tar::EntryType::Link);
            b.append_link(&mut h, &rel, first)?;
        } else if ft.is_file() {
            if m.nlink() > 1 {
                seen.insert((m.dev(), m.ino()), rel.clone());
            }
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(m.len());
            b.append_data(&mut h, &rel, File::open(&path)?)?;
        } else {
            let kind = if ft.is_char_device() {
                tar::EntryType::Char
            } else if ft.is_block_device() {
                tar::EntryType::Block
            } else {
                tar::EntryType::Fifo
            };
            h.set_entry_type(kind);
            let rdev = m.rdev();
            h.set_device_major(libc::major(rdev))?;
            h.set_device_minor(libc::minor(rdev))?;
            b.append_data(&mut h, &rel, std::io::empty())?;
        }
    }
    Ok(())
}

/// Extended attributes a build keeps (the overlay's own are hidden by it).
pub fn xattrs(path: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(names) = xattr::list(path) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = names
        .filter_map(|n| {
            let k = n.to_string_lossy().into_owned();
            if k.starts_with("trusted.overlay.") || k == "security.selinux" {
                return None;
            }
            xattr::get(path, &n).ok().flatten().map(|v| (k, v))
        })
        .collect();
    out.sort();
    out
}
