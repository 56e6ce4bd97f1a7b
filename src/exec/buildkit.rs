//! The BuildKit backend: `docker buildx build` against the engine that
//! `docker` on PATH (and `DOCKER_HOST`) reaches.

use std::ffi::OsString;
use std::process::{Command, Stdio};

use super::{
    build_failed, config_fields, run_rawjson, BuildOutput, BuildRequest, ExecError, Executor,
    ImageConfig, Progress,
};

/// `docker buildx build` with BuildKit.
#[derive(Debug, Clone)]
pub struct BuildKit {
    docker: OsString,
    description: String,
}

impl BuildKit {
    /// Find the Docker CLI (`$RDOCK_DOCKER`, else `docker` on PATH), its buildx
    /// plugin, and a daemon that answers.
    pub fn detect() -> Result<BuildKit, ExecError> {
        let docker = std::env::var_os("RDOCK_DOCKER").unwrap_or_else(|| "docker".into());
        let name = docker.to_string_lossy().into_owned();
        let host = std::env::var("DOCKER_HOST")
            .map(|h| format!("DOCKER_HOST={h}"))
            .unwrap_or_else(|_| "DOCKER_HOST unset (the default socket)".into());
        let run = |args: &[&str]| -> Result<String, String> {
            match super::output_within(Command::new(&docker).args(args)) {
                Ok(o) if o.status.success() => {
                    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
                }
                Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
                Err(e) => Err(e.to_string()),
            }
        };
        let buildx = run(&["buildx", "version"]).map_err(|e| ExecError::NoEngine {
            looked_for: format!(
                "`{name} buildx` (the Docker CLI on PATH with the buildx plugin): {e}"
            ),
        })?;
        let server = run(&["version", "--format", "{{.Server.Version}}"]).map_err(|e| {
            ExecError::NoEngine {
                looked_for: format!("a Docker daemon answering `{name} version` ({host}): {e}"),
            }
        })?;
        let buildx = buildx.split_whitespace().nth(1).unwrap_or("?").to_string();
        Ok(BuildKit {
            docker,
            description: format!("Docker {server} with BuildKit (buildx {buildx})"),
        })
    }

    fn docker(&self) -> Command {
        let mut c = Command::new(&self.docker);
        c.stdin(Stdio::null());
        c
    }
}

impl Executor for BuildKit {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn build(
        &self,
        req: &BuildRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BuildOutput, ExecError> {
        let mut cmd = self.docker();
        cmd.args(["buildx", "build", "--progress=rawjson", "-f"])
            .arg(&req.dockerfile);
        if let Some(t) = &req.target {
            cmd.args(["--target", t]);
        }
        for (k, v) in &req.build_args {
            cmd.arg("--build-arg").arg(format!("{k}={v}"));
        }
        cmd.arg("--build-arg")
            .arg(format!("SOURCE_DATE_EPOCH={}", req.source_date_epoch));
        cmd.arg(format!("--network={}", req.network));
        if req.no_cache {
            cmd.arg("--no-cache");
        }
        cmd.arg("--output")
            .arg(format!("type=docker,name={}", req.tag));
        let mut tar_out = OsString::from("type=tar,dest=");
        tar_out.push(req.rootfs_tar.as_os_str());
        cmd.arg("--output").arg(tar_out);
        for (name, value) in &req.contexts {
            cmd.arg("--build-context").arg(format!("{name}={value}"));
        }
        cmd.arg(&req.context);
        let program = self.docker.to_string_lossy().into_owned();
        let (status, log, other, wall) = run_rawjson(cmd, &program, progress)?;
        if !status.success() {
            return Err(build_failed(req, &log, &other));
        }

        let out = super::output_within(self.docker().args([
            "image",
            "inspect",
            "--format",
            "{{json .Config}}\n{{.Size}}",
            &req.tag,
        ]))
        .map_err(|source| ExecError::Spawn {
            program: self.docker.to_string_lossy().into_owned(),
            source,
        })?;
        if !out.status.success() {
            return Err(ExecError::Protocol(format!(
                "`docker image inspect {}` failed: {}",
                req.tag,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let (config, size) = text.trim_end().rsplit_once('\n').unwrap_or((&text, ""));
        let config: serde_json::Value = serde_json::from_str(config).map_err(|e| {
            ExecError::Protocol(format!(
                "`docker image inspect` printed no JSON config: {e}"
            ))
        })?;
        let config: ImageConfig = config_fields(&config);
        if !req.rootfs_tar.is_file() {
            return Err(ExecError::Protocol(format!(
                "the build succeeded but wrote no filesystem tar at {}",
                req.rootfs_tar.display()
            )));
        }
        Ok(BuildOutput {
            rootfs_tar: req.rootfs_tar.clone(),
            config,
            wall,
            build_time: log.solve_time().unwrap_or(wall),
            steps: log.steps(),
            image: req.tag.clone(),
            traces: Vec::new(),
            image_bytes: size.trim().parse().ok(),
        })
    }

    fn remove(&self, output: &BuildOutput) {
        let _ = super::output_within(
            self.docker()
                .args(["image", "rm", "--force", &output.image]),
        );
    }
}
