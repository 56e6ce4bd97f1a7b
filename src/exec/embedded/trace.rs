//! What a RUN step changed, read from the overlay layer it left (`rdock
//! trace`): a file, link or device in the layer was written (or its mode,
//! owner or times changed: overlayfs copies it up whole), a folder that no
//! lower layer has was made, a whiteout (a character device 0/0) is a
//! deletion, and an opaque folder (`trusted.overlay.opaque`) replaced the
//! one below it. Complete for writes and deletions: overlayfs puts every
//! change a step makes to the image's tree in its upper layer.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::exec::Written;

/// The paths the layer `upper` wrote (with what each is) and deleted, over
/// the `lowers` (upper-most first), leaving out what the runtime makes for
/// every step: the mount points `/proc`, `/dev` and `/sys`, and the working
/// folder `cwd` with its parents, which the engine makes when they are
/// missing.
pub fn changes(
    upper: &Path,
    lowers: &[PathBuf],
    cwd: &str,
) -> (Vec<(String, Written)>, Vec<String>) {
    let mut wrote = Vec::new();
    let mut deleted = Vec::new();
    walk(upper, upper, lowers, &mut wrote, &mut deleted);
    let runtime = |p: &str| {
        matches!(p, "/proc" | "/dev" | "/sys") || crate::parallel::paths::is_within(cwd, p)
    };
    wrote.retain(|(p, _)| !runtime(p));
    wrote.sort();
    deleted.sort();
    (wrote, deleted)
}

/// A folder BuildKit's `COPY --from` would make the same: mode 755, root's.
fn plain(meta: &std::fs::Metadata) -> bool {
    meta.mode() & 0o7777 == 0o755 && meta.uid() == 0 && meta.gid() == 0
}

fn walk(
    root: &Path,
    dir: &Path,
    lowers: &[PathBuf],
    wrote: &mut Vec<(String, Written)>,
    deleted: &mut Vec<String>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let name = format!("/{}", rel.to_string_lossy());
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let ft = meta.file_type();
        if ft.is_char_device() && meta.rdev() == 0 {
            deleted.push(name);
        } else if ft.is_dir() {
            let below = lowers
                .iter()
                .find_map(|l| std::fs::symlink_metadata(l.join(rel)).ok());
            let opaque = xattr::get(&path, "trusted.overlay.opaque")
                .ok()
                .flatten()
                .is_some_and(|v| v == b"y");
            match below {
                Some(b) if b.is_dir() => {
                    if opaque {
                        deleted.push(name.clone());
                        wrote.push((
                            name,
                            Written::Dir {
                                plain: plain(&meta),
                            },
                        ));
                    } else if (b.mode(), b.uid(), b.gid()) != (meta.mode(), meta.uid(), meta.gid())
                    {
                        // Copied up for its own mode or owner, not only for what changed inside.
                        wrote.push((name, Written::DirMeta));
                    }
                }
                _ => wrote.push((
                    name,
                    Written::Dir {
                        plain: plain(&meta),
                    },
                )),
            }
            walk(root, &path, lowers, wrote, deleted);
        } else if ft.is_symlink() {
            wrote.push((name, Written::Symlink));
        } else if ft.is_file() && meta.nlink() > 1 {
            wrote.push((name, Written::HardLink));
        } else {
            wrote.push((name, Written::File));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_changes() {
        let t = tempfile::tempdir().unwrap();
        let (lower, upper) = (t.path().join("lower"), t.path().join("upper"));
        std::fs::create_dir_all(lower.join("work/old")).unwrap();
        std::fs::create_dir_all(upper.join("work/new/sub")).unwrap();
        std::fs::create_dir_all(upper.join("proc")).unwrap();
        std::fs::create_dir_all(upper.join("app")).unwrap();
        std::fs::write(upper.join("work/f"), "x").unwrap();
        std::fs::write(upper.join("work/new/sub/g"), "y").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", upper.join("work/link")).unwrap();
        let (wrote, deleted) = changes(&upper, &[lower], "/app");
        assert_eq!(wrote[1].1, Written::Symlink);
        assert_eq!(
            wrote[2].1,
            Written::Dir {
                plain: std::fs::metadata(upper.join("work/new")).unwrap().mode() & 0o7777 == 0o755,
            }
        );
        let wrote: Vec<&str> = wrote.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            wrote,
            [
                "/work/f",
                "/work/link",
                "/work/new",
                "/work/new/sub",
                "/work/new/sub/g"
            ]
        );
        assert!(deleted.is_empty());
    }
}
