//! Base images for the embedded executor: `--image NAME=PATH` (a root
//! filesystem folder, a `docker save` archive or folder, an OCI image
//! layout folder or archive), else a local Docker daemon's image through
//! `docker save`, else a pull from the image's registry (`pull.rs`).
//! Images are unpacked once into one folder per image (layers applied in
//! order, `.wh.` whiteouts and `.wh..wh..opq` opaque folders honoured)
//! under the user's cache folder, keyed by the digest of their
//! configuration; a root filesystem folder is used where it is.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// An image ready to be a lower layer.
#[derive(Debug)]
pub struct Image {
    pub rootfs: PathBuf,
    /// The image configuration's `config` object (`Env`, `Cmd`, ...).
    pub config: Value,
    /// The configuration's digest (the step cache's first key); `None` for
    /// a root filesystem folder, whose content may change.
    pub digest: Option<String>,
}

pub struct Images {
    given: Vec<(String, PathBuf)>,
    cache: PathBuf,
    /// Each image asked for, or why it could not be had: a name is looked
    /// for (a daemon asked, a registry tried) once per engine.
    loaded: Mutex<HashMap<String, Result<Arc<Image>, String>>>,
}

/// `busybox` -> `busybox:latest`, `docker.io/library/debian:12` -> `debian:12`.
pub fn normalise(name: &str) -> String {
    let mut n = name.trim();
    for p in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        n = n.strip_prefix(p).unwrap_or(n);
    }
    let n = n.strip_prefix("library/").unwrap_or(n);
    let last = n.rsplit('/').next().unwrap_or(n);
    if last.contains(':') || n.contains('@') {
        n.to_string()
    } else {
        format!("{n}:latest")
    }
}

/// Where unpacked images are kept: `$RDOCK_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/rdock`, else `~/.cache/rdock`; then `embedded/`.
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("RDOCK_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rdock")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rdock")))
        .unwrap_or_else(|| std::env::temp_dir().join("rdock-cache"));
    base.join("embedded")
}

impl Images {
    pub fn new(given: &[(String, PathBuf)]) -> Images {
        Images {
            given: given
                .iter()
                .map(|(n, p)| (normalise(n), p.clone()))
                .collect(),
            cache: cache_dir().join("images"),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The image `name`, unpacked. One image is prepared at a time.
    pub fn get(&self, name: &str) -> Result<Arc<Image>, String> {
        let key = normalise(name);
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = loaded.get(&key) {
            return i.clone();
        }
        let image = match self.given.iter().find(|(n, _)| *n == key) {
            Some((_, path)) => self.load_path(name, path),
            None => self.load_docker(name).or_else(|local| {
                self.load_registry(name).map_err(|pull| {
                    format!("no image `{name}`: give it with --image {name}=PATH (a root filesystem folder, a `docker save` archive or an OCI layout); {local}; and {pull}")
                })
            }),
        }
        .map(Arc::new);
        loaded.insert(key, image.clone());
        image
    }

    fn load_path(&self, name: &str, path: &Path) -> Result<Image, String> {
        if path.is_dir()
            && !path.join("manifest.json").is_file()
            && !path.join("index.json").is_file()
        {
            return Ok(Image {
                rootfs: path.to_path_buf(),
                config: Value::Null,
                digest: None,
            });
        }
        if path.is_dir() {
            return self.unpack_dir(name, path);
        }
        if path.is_file() {
            // An archive: unpack it aside, then read it as a folder.
            let tmp = self.scratch("archive-")?;
            let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            tar::Archive::new(f)
                .unpack(tmp.path())
                .map_err(|e| format!("{}: not an image archive: {e}", path.display()))?;
            return self.unpack_dir(name, tmp.path());
        }
        Err(format!(
            "--image {name}={}: no such file or folder",
            path.display()
        ))
    }

    /// A folder of its own in the cache, removed when dropped: where an
    /// archive is unpacked or `docker save` writes.
    fn scratch(&self, prefix: &str) -> Result<tempfile::TempDir, String> {
        std::fs::create_dir_all(&self.cache)
            .map_err(|e| format!("{}: {e}", self.cache.display()))?;
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(&self.cache)
            .map_err(|e| e.to_string())
    }

    /// Pull `name` from its registry (the layers stay in the blob cache).
    fn load_registry(&self, name: &str) -> Result<Image, String> {
        let pulled = super::pull::pull(name, &cache_dir())?;
        self.unpack(name, &pulled.config, &pulled.layers)
    }

    /// The image a local Docker daemon has, through `docker save`.
    fn load_docker(&self, name: &str) -> Result<Image, String> {
        let mut inspect = Command::new("docker");
        inspect.args(["image", "inspect", "--format", "{{.Id}}", name]);
        let id = match crate::exec::output_within(&mut inspect) {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
            Ok(o) => {
                let why = String::from_utf8_lossy(&o.stderr).trim().to_string();
                return Err(if why.contains("Cannot connect to the Docker daemon") {
                    format!("no Docker daemon answers ({why})")
                } else {
                    format!("the Docker daemon has none ({why})")
                });
            }
            Err(e) => return Err(format!("no Docker daemon answers (`docker`: {e})")),
        };
        let key = id.trim_start_matches("sha256:").to_string();
        if let Some(img) = self.cached(name, &key) {
            return Ok(img);
        }
        let tmp = self.scratch("save-")?;
        let tar = tmp.path().join("image.tar");
        let out = Command::new("docker")
            .args(["save", "-o"])
            .arg(&tar)
            .arg(name)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "`docker save` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        self.load_path(name, &tar)
    }

    fn cached(&self, _name: &str, key: &str) -> Option<Image> {
        let dir = self.cache.join(key);
        let config: Value =
            serde_json::from_slice(&std::fs::read(dir.join("config.json")).ok()?).ok()?;
        Some(Image {
            rootfs: dir.join("rootfs"),
            config,
            digest: Some(key.to_string()),
        })
    }

    /// A `docker save` or OCI layout folder: read the manifest, unpack the layers.
    fn unpack_dir(&self, name: &str, dir: &Path) -> Result<Image, String> {
        let (config_path, layers) = manifest(dir, name)?;
        let config_bytes =
            std::fs::read(&config_path).map_err(|e| format!("{}: {e}", config_path.display()))?;
        self.unpack(name, &config_bytes, &layers)
    }

    /// The image with configuration `config_bytes` and `layers` (tar
    /// files, plain, gzip or zstd), unpacked once.
    fn unpack(&self, name: &str, config_bytes: &[u8], layers: &[PathBuf]) -> Result<Image, String> {
        let config_path = Path::new("the image configuration");
        let key = hex(&Sha256::digest(config_bytes));
        if let Some(img) = self.cached(name, &key) {
            return Ok(img);
        }
        let full: Value = serde_json::from_slice(config_bytes)
            .map_err(|e| format!("{name}: {}: {e}", config_path.display()))?;
        let config = full.get("config").cloned().unwrap_or(Value::Null);
        std::fs::create_dir_all(&self.cache).map_err(|e| e.to_string())?;
        let tmp = tempfile::Builder::new()
            .prefix("unpack-")
            .tempdir_in(&self.cache)
            .map_err(|e| e.to_string())?;
        let rootfs = tmp.path().join("rootfs");
        std::fs::create_dir(&rootfs).map_err(|e| e.to_string())?;
        for layer in layers {
            apply_layer(layer, &rootfs)
                .map_err(|e| format!("{name}: layer {}: {e}", layer.display()))?;
        }
        std::fs::write(
            tmp.path().join("config.json"),
            serde_json::to_vec(&config).unwrap_or_default(),
        )
        .map_err(|e| e.to_string())?;
        let dest = self.cache.join(&key);
        let tmp = tmp.keep();
        if std::fs::rename(&tmp, &dest).is_err() {
            // Another build unpacked it first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        self.cached(name, &key).ok_or_else(|| {
            format!(
                "{name}: the unpacked image at {} cannot be read",
                dest.display()
            )
        })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn read_json(p: &Path) -> Result<Value, String> {
    let b = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", p.display()))
}

fn blob(dir: &Path, digest: &str) -> PathBuf {
    let (alg, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    dir.join("blobs").join(alg).join(hex)
}

/// The configuration file and the layer files, bottom first.
fn manifest(dir: &Path, name: &str) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let want = normalise(name);
    if dir.join("manifest.json").is_file() {
        let m = read_json(&dir.join("manifest.json"))?;
        let list = m.as_array().cloned().unwrap_or_default();
        let pick = list
            .iter()
            .find(|e| {
                e["RepoTags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|t| t.as_str().map(normalise) == Some(want.clone()))
            })
            .or_else(|| list.first())
            .ok_or_else(|| format!("{}: an empty manifest.json", dir.display()))?;
        let config = dir.join(pick["Config"].as_str().unwrap_or_default());
        let layers = pick["Layers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().map(|l| dir.join(l)))
            .collect();
        return Ok((config, layers));
    }
    let index = read_json(&dir.join("index.json"))?;
    let mut manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let named = |m: &Value| {
        [
            "org.opencontainers.image.ref.name",
            "io.containerd.image.name",
        ]
        .iter()
        .any(|k| {
            m["annotations"][k]
                .as_str()
                .is_some_and(|v| normalise(v) == want || v == want.rsplit(':').next().unwrap_or(""))
        })
    };
    let mut pick = manifests
        .iter()
        .find(|m| named(m))
        .or_else(|| manifests.first())
        .cloned();
    // A multi-platform index: take linux/amd64 (else the first).
    for _ in 0..3 {
        let Some(m) = &pick else { break };
        let mt = m["mediaType"].as_str().unwrap_or_default();
        if !mt.contains("index") && !mt.contains("manifest.list") {
            break;
        }
        let inner = read_json(&blob(dir, m["digest"].as_str().unwrap_or_default()))?;
        manifests = inner["manifests"].as_array().cloned().unwrap_or_default();
        pick = manifests
            .iter()
            .find(|m| m["platform"]["os"] == "linux" && m["platform"]["architecture"] == "amd64")
            .or_else(|| manifests.first())
            .cloned();
    }
    let m = pick.ok_or_else(|| format!("{}: index.json lists no image", dir.display()))?;
    let manifest = read_json(&blob(dir, m["digest"].as_str().unwrap_or_default()))?;
    let config = blob(
        dir,
        manifest["config"]["digest"].as_str().unwrap_or_default(),
    );
    let layers = manifest["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| blob(dir, l["digest"].as_str().unwrap_or_default()))
        .collect();
    Ok((config, layers))
}

/// Apply one layer archive (plain, gzip or zstd) onto `root`.
pub fn apply_layer(layer: &Path, root: &Path) -> Result<(), String> {
    let mut f = std::fs::File::open(layer).map_err(|e| e.to_string())?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).map_err(|e| e.to_string())?;
    let f = std::fs::File::open(layer).map_err(|e| e.to_string())?;
    let reader: Box<dyn Read> = if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::GzDecoder::new(f))
    } else if n == 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] {
        // zstd (`tar+zstd`, and zstd:chunked: many frames and skippable
        // ones, which libzstd's stream decoder reads through).
        Box::new(zstd::stream::read::Decoder::new(f).map_err(|e| e.to_string())?)
    } else {
        Box::new(f)
    };
    let mut a = tar::Archive::new(reader);
    a.set_preserve_permissions(true);
    a.set_preserve_ownerships(true);
    a.set_unpack_xattrs(true);
    a.set_overwrite(true);
    let mut made: HashSet<PathBuf> = HashSet::new();
    for entry in a.entries().map_err(|e| e.to_string())? {
        let mut e = entry.map_err(|e| e.to_string())?;
        let raw = e.path().map_err(|e| e.to_string())?.into_owned();
        let rel: PathBuf = raw
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        if rel.as_os_str().is_empty() {
            continue;
        }
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = rel.parent().map(Path::to_path_buf).unwrap_or_default();
        if name == ".wh..wh..opq" {
            // Opaque: what lower layers had in this folder goes.
            let dir = root.join(&parent);
            if let Ok(rd) = std::fs::read_dir(&dir) {
                for c in rd.flatten() {
                    let r = parent.join(c.file_name());
                    if !made.contains(&r) {
                        remove(&root.join(r));
                    }
                }
            }
            continue;
        }
        if let Some(gone) = name.strip_prefix(".wh.") {
            remove(&root.join(&parent).join(gone));
            continue;
        }
        let dst = root.join(&rel);
        let is_dir = e.header().entry_type().is_dir();
        if let Ok(m) = std::fs::symlink_metadata(&dst) {
            if m.is_dir() && !is_dir {
                let _ = std::fs::remove_dir_all(&dst);
            } else if !m.is_dir() && is_dir {
                let _ = std::fs::remove_file(&dst);
            }
        }
        e.unpack_in(root).map_err(|err| {
            format!(
                "{}: {err} ({:?})",
                rel.display(),
                std::error::Error::source(&err)
            )
        })?;
        made.insert(rel);
    }
    Ok(())
}

fn remove(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(p);
        }
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            match data {
                Some(d) => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_size(d.len() as u64);
                    h.set_mode(0o644);
                    b.append_data(&mut h, path, *d).unwrap();
                }
                None => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_size(0);
                    h.set_mode(0o755);
                    b.append_data(&mut h, path, std::io::empty()).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn whiteouts_and_opaque_folders() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let l1 = d.path().join("1.tar");
        std::fs::write(
            &l1,
            layer(&[
                ("a/", None),
                ("a/x", Some(b"1")),
                ("a/y", Some(b"1")),
                ("b/", None),
                ("b/z", Some(b"1")),
            ]),
        )
        .unwrap();
        let l2 = d.path().join("2.tar");
        std::fs::write(
            &l2,
            layer(&[
                ("a/.wh.x", Some(b"")),
                ("b/", None),
                ("b/new", Some(b"2")),
                ("b/.wh..wh..opq", Some(b"")),
            ]),
        )
        .unwrap();
        apply_layer(&l1, &root).unwrap();
        apply_layer(&l2, &root).unwrap();
        assert!(!root.join("a/x").exists());
        assert!(root.join("a/y").exists());
        assert!(!root.join("b/z").exists());
        assert_eq!(std::fs::read(root.join("b/new")).unwrap(), b"2");
    }

    /// A zstd layer as zstd:chunked writes it: several frames, then a
    /// skippable frame (its table of contents), all read.
    #[test]
    fn zstd_layers_in_several_frames() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let tar = layer(&[("a/", None), ("a/x", Some(b"one")), ("a/y", Some(b"two"))]);
        let (head, tail) = tar.split_at(1024);
        let mut z = zstd::encode_all(head, 3).unwrap();
        z.extend(zstd::encode_all(tail, 3).unwrap());
        let toc = b"table of contents";
        z.extend(0x184D_2A50u32.to_le_bytes());
        z.extend((toc.len() as u32).to_le_bytes());
        z.extend(toc);
        let l = d.path().join("layer.tar.zst");
        std::fs::write(&l, z).unwrap();
        apply_layer(&l, &root).unwrap();
        assert_eq!(std::fs::read(root.join("a/x")).unwrap(), b"one");
        assert_eq!(std::fs::read(root.join("a/y")).unwrap(), b"two");
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalise("busybox"), "busybox:latest");
        assert_eq!(normalise("docker.io/library/debian:12.4"), "debian:12.4");
        assert_eq!(normalise("localhost:5000/x"), "localhost:5000/x:latest");
    }
}
