//! The `buildctl` backend: `buildctl build` with the Dockerfile frontend
//! against a standalone buildkitd (`--buildkit-host`, `BUILDKIT_HOST`).
//!
//! One build exports twice: the final filesystem with the tar exporter, and
//! an unnamed image with the image exporter, whose configuration digest the
//! `--metadata-file` gives and `buildctl debug get` reads back from
//! buildkitd's content store.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{
    build_failed, config_fields, run_rawjson, BuildOutput, BuildRequest, ExecError, Executor,
    Progress,
};

/// buildctl's own default address.
const DEFAULT_ADDR: &str = "unix:///run/buildkit/buildkitd.sock";

/// `buildctl build` against a buildkitd.
#[derive(Debug, Clone)]
pub struct Buildctl {
    buildctl: OsString,
    addr: String,
    description: String,
}

fn program() -> OsString {
    std::env::var_os("RDOCK_BUILDCTL").unwrap_or_else(|| "buildctl".into())
}

impl Buildctl {
    /// Whether a `buildctl` is there to try (`$RDOCK_BUILDCTL`, else on PATH).
    pub fn on_path() -> bool {
        if std::env::var_os("RDOCK_BUILDCTL").is_some() {
            return true;
        }
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("buildctl").is_file())
        })
    }

    /// Find `buildctl` (`$RDOCK_BUILDCTL`, else on PATH) and a buildkitd that
    /// answers at `addr` (else `BUILDKIT_HOST`, else buildctl's default).
    pub fn detect(addr: Option<&str>) -> Result<Buildctl, ExecError> {
        let buildctl = program();
        let name = buildctl.to_string_lossy().into_owned();
        let (addr, from) = match addr {
            Some(a) => (a.to_string(), "--buildkit-host"),
            None => match std::env::var("BUILDKIT_HOST") {
                Ok(a) if !a.is_empty() => (a, "BUILDKIT_HOST"),
                _ => (DEFAULT_ADDR.to_string(), "buildctl's default address"),
            },
        };
        let out = super::output_within(
            Command::new(&buildctl)
                .args(["--addr", &addr, "debug", "info", "--format"])
                .arg("{{.BuildkitVersion.Version}}"),
        );
        let version = match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
            Ok(o) => {
                return Err(ExecError::NoEngine {
                    looked_for: format!(
                        "a buildkitd answering `{name} --addr {addr} debug info` ({from}): {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    ),
                })
            }
            Err(e) => {
                return Err(ExecError::NoEngine {
                    looked_for: format!("`{name}` (buildctl, on PATH or $RDOCK_BUILDCTL): {e}"),
                })
            }
        };
        Ok(Buildctl {
            buildctl,
            description: format!("buildkitd {version} via buildctl ({addr})"),
            addr,
        })
    }

    fn buildctl(&self) -> Command {
        let mut c = Command::new(&self.buildctl);
        c.stdin(Stdio::null()).arg("--addr").arg(&self.addr);
        c
    }

    fn program(&self) -> String {
        self.buildctl.to_string_lossy().into_owned()
    }

    /// The compressed size of the image's layers, from its manifest.
    fn layer_bytes(&self, meta: &serde_json::Value) -> Option<u64> {
        let digest = meta["containerimage.descriptor"]["digest"].as_str()?;
        let out = super::output_within(self.buildctl().args(["debug", "get", digest])).ok()?;
        let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        manifest["layers"]
            .as_array()?
            .iter()
            .map(|l| l["size"].as_u64())
            .sum()
    }
}

/// buildctl's arguments for the named build contexts.
fn context_args(contexts: &[(String, String)]) -> Result<Vec<OsString>, ExecError> {
    let mut args: Vec<OsString> = Vec::new();
    for (i, (name, value)) in contexts.iter().enumerate() {
        let id = format!("rdock-context-{i}");
        let opt = if let Some(layout) = value.strip_prefix("oci-layout://") {
            let (dir, digest) = oci_layout(layout)?;
            args.push("--oci-layout".into());
            let mut a = OsString::from(format!("{id}="));
            a.push(dir.as_os_str());
            args.push(a);
            format!("context:{name}=oci-layout://{id}@{digest}")
        } else if value.contains("://") {
            // docker-image://, git and https contexts: the frontend reads them.
            format!("context:{name}={value}")
        } else {
            let dir = Path::new(value);
            if !dir.is_dir() {
                return Err(ExecError::BadContext(format!(
                    "{name}={value}: `{value}` is not a folder"
                )));
            }
            args.push("--local".into());
            let mut a = OsString::from(format!("{id}="));
            a.push(dir.as_os_str());
            args.push(a);
            format!("context:{name}=local:{id}")
        };
        args.push("--opt".into());
        args.push(opt.into());
    }
    Ok(args)
}

/// `DIR[:TAG][@DIGEST]` (as `docker buildx build --build-context` takes it)
/// to the layout's folder and the manifest digest, read from its `index.json`
/// when no digest is given (the tag, else `latest`, else its only manifest).
fn oci_layout(spec: &str) -> Result<(PathBuf, String), ExecError> {
    let bad = |why: String| ExecError::BadContext(format!("oci-layout://{spec}: {why}"));
    let (rest, digest) = match spec.rsplit_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (spec, None),
    };
    let (dir, tag) = match rest.rsplit_once(':') {
        Some((d, t)) if !t.contains('/') && !d.is_empty() => (d, Some(t)),
        _ => (rest, None),
    };
    let dir = PathBuf::from(dir);
    if let Some(d) = digest {
        return Ok((dir, d));
    }
    let index = dir.join("index.json");
    let text = std::fs::read_to_string(&index)
        .map_err(|e| bad(format!("cannot read {}: {e}", index.display())))?;
    let index: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("{} is not JSON: {e}", index.display())))?;
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let tag_of = |m: &serde_json::Value| {
        m["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .map(str::to_string)
    };
    let wanted = tag.unwrap_or("latest");
    let found = manifests
        .iter()
        .find(|m| tag_of(m).as_deref() == Some(wanted))
        .or_else(|| (tag.is_none() && manifests.len() == 1).then(|| &manifests[0]));
    match found.and_then(|m| m["digest"].as_str()) {
        Some(d) => Ok((dir, d.to_string())),
        None => {
            let tags: Vec<String> = manifests.iter().filter_map(tag_of).collect();
            Err(bad(format!(
                "no manifest tagged `{wanted}` in its index.json (tags: {})",
                if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                }
            )))
        }
    }
}

impl Executor for Buildctl {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn build(
        &self,
        req: &BuildRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BuildOutput, ExecError> {
        let (dockerfile_dir, filename) = match (req.dockerfile.parent(), req.dockerfile.file_name())
        {
            (Some(d), Some(f)) => (
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                },
                f,
            ),
            _ => {
                return Err(ExecError::BadContext(format!(
                    "the Dockerfile path `{}` names no file",
                    req.dockerfile.display()
                )))
            }
        };
        let metadata = req.rootfs_tar.with_extension("metadata.json");
        let mut cmd = self.buildctl();
        cmd.args(["build", "--progress=rawjson", "--frontend", "dockerfile.v0"]);
        let mut local = OsString::from("context=");
        local.push(req.context.as_os_str());
        cmd.arg("--local").arg(local);
        let mut local = OsString::from("dockerfile=");
        local.push(dockerfile_dir.as_os_str());
        cmd.arg("--local").arg(local);
        let mut f = OsString::from("filename=");
        f.push(filename);
        cmd.arg("--opt").arg(f);
        if let Some(t) = &req.target {
            cmd.arg("--opt").arg(format!("target={t}"));
        }
        for (k, v) in &req.build_args {
            cmd.arg("--opt").arg(format!("build-arg:{k}={v}"));
        }
        cmd.arg("--opt").arg(format!(
            "build-arg:SOURCE_DATE_EPOCH={}",
            req.source_date_epoch
        ));
        // `default` is the worker's own network (what buildx sends as no option).
        if req.network != "default" {
            cmd.arg("--opt")
                .arg(format!("force-network-mode={}", req.network));
        }
        if req.no_cache {
            cmd.arg("--no-cache");
        }
        cmd.args(context_args(&req.contexts)?);
        let mut tar_out = OsString::from("type=tar,dest=");
        tar_out.push(req.rootfs_tar.as_os_str());
        cmd.arg("--output").arg(tar_out);
        // An unnamed image: its configuration, nothing left under a name.
        cmd.args(["--output", "type=image,push=false"]);
        cmd.arg("--metadata-file").arg(&metadata);

        let (status, log, other, wall) = run_rawjson(cmd, &self.program(), progress)?;
        if !status.success() {
            return Err(build_failed(req, &log, &other));
        }

        let meta = std::fs::read_to_string(&metadata).map_err(|e| {
            ExecError::Protocol(format!(
                "buildctl wrote no metadata file at {}: {e}",
                metadata.display()
            ))
        })?;
        let meta: serde_json::Value = serde_json::from_str(&meta)
            .map_err(|e| ExecError::Protocol(format!("buildctl's metadata is not JSON: {e}")))?;
        let Some(digest) = meta["containerimage.config.digest"].as_str() else {
            return Err(ExecError::Protocol(
                "buildctl's metadata has no containerimage.config.digest".into(),
            ));
        };
        let out = super::output_within(self.buildctl().args(["debug", "get", digest])).map_err(
            |source| ExecError::Spawn {
                program: self.program(),
                source,
            },
        )?;
        if !out.status.success() {
            return Err(ExecError::Protocol(format!(
                "`buildctl debug get {digest}` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let image: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            ExecError::Protocol(format!("the image configuration {digest} is not JSON: {e}"))
        })?;
        if !req.rootfs_tar.is_file() {
            return Err(ExecError::Protocol(format!(
                "the build succeeded but wrote no filesystem tar at {}",
                req.rootfs_tar.display()
            )));
        }
        Ok(BuildOutput {
            rootfs_tar: req.rootfs_tar.clone(),
            config: config_fields(&image["config"]),
            wall,
            build_time: log.solve_time().unwrap_or(wall),
            steps: log.steps(),
            image: digest.to_string(),
            traces: Vec::new(),
            image_bytes: self.layer_bytes(&meta),
        })
    }

    /// The image has no name in buildkitd, so nothing refers to it: its
    /// blobs go with buildkitd's garbage collection.
    fn remove(&self, _output: &BuildOutput) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_layouts_are_found_by_tag_or_digest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.json"),
            r#"{"manifests":[{"digest":"sha256:aa","annotations":{"org.opencontainers.image.ref.name":"latest"}},{"digest":"sha256:bb","annotations":{"org.opencontainers.image.ref.name":"12.4"}}]}"#,
        )
        .unwrap();
        let d = dir.path().display().to_string();
        assert_eq!(oci_layout(&d).unwrap().1, "sha256:aa");
        assert_eq!(oci_layout(&format!("{d}:12.4")).unwrap().1, "sha256:bb");
        assert_eq!(
            oci_layout(&format!("{d}@sha256:cc")).unwrap().1,
            "sha256:cc"
        );
        let e = oci_layout(&format!("{d}:nope")).unwrap_err().to_string();
        assert!(
            e.contains("no manifest tagged `nope`") && e.contains("12.4"),
            "{e}"
        );
        let e = oci_layout("/nonexistent/layout").unwrap_err().to_string();
        assert!(e.contains("cannot read"), "{e}");
    }

    #[test]
    fn contexts_become_buildctl_options() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let args = context_args(&[
            ("base".into(), d.clone()),
            ("img".into(), "docker-image://busybox:latest".into()),
        ])
        .unwrap();
        let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into()).collect();
        assert_eq!(
            args,
            [
                "--local".to_string(),
                format!("rdock-context-0={d}"),
                "--opt".into(),
                "context:base=local:rdock-context-0".into(),
                "--opt".into(),
                "context:img=docker-image://busybox:latest".into(),
            ]
        );
        let e = context_args(&[("x".into(), "/nonexistent/dir".into())]).unwrap_err();
        assert!(e.to_string().contains("is not a folder"), "{e}");
    }
}
