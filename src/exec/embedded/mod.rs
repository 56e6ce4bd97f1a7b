//! rdock's own executor (`--engine embedded`): builds a Dockerfile without
//! a daemon, as root, with Linux namespaces and overlayfs, and returns the
//! same [`BuildOutput`](crate::exec::BuildOutput) the BuildKit backends do.
//!
//! - `build.rs`: the model and stage graph of the file, the stages
//!   scheduled on threads, the export;
//! - `stage.rs`: one stage's instructions with BuildKit's dispatch rules;
//!   `config.rs`: the image configuration; `run.rs`: RUN's command line and
//!   mounts;
//! - `sandbox.rs`: the helper process (`rdock __rdock-sandbox SPEC`) that
//!   mounts a step's overlay in new namespaces and runs it; `spec.rs`: what
//!   it is asked; `sys.rs`: the system calls; `copy.rs`: COPY/ADD;
//!   `export.rs`: the tar export; `users.rs`: /etc/passwd and /etc/group;
//!   `rootpath.rs`: paths resolved inside a tree;
//! - `image.rs`: base images (`--image NAME=PATH`, a Docker daemon, a
//!   registry: `pull.rs`);
//!   `store.rs`: the build's work folder; `cache.rs`: the step cache;
//!   `cleanup.rs`: Ctrl-C; `trace.rs`: what a RUN step changed (`rdock
//!   trace`).

mod build;
mod cache;
mod cleanup;
mod config;
mod copy;
mod export;
mod image;
mod pull;
mod reads;
mod rootpath;
mod run;
mod sandbox;
mod spec;
mod stage;
mod store;
mod sys;
mod trace;
mod users;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::exec::{BuildOutput, BuildRequest, ExecError, Executor, Progress};

pub use sandbox::HELPER_ARG;

/// The embedded executor.
pub struct Embedded {
    images: Arc<image::Images>,
    jobs: usize,
}

impl Embedded {
    /// `images`: `--image NAME=PATH`; `jobs`: how many stages may run at
    /// once (`None`: as many as are ready). Needs root.
    pub fn new(images: &[(String, PathBuf)], jobs: Option<usize>) -> Result<Embedded, ExecError> {
        if !sys::is_root() {
            return Err(ExecError::NotRoot);
        }
        let overlay = std::fs::read_to_string("/proc/filesystems")
            .is_ok_and(|f| f.lines().any(|l| l.trim_end().ends_with("overlay")));
        if !overlay {
            return Err(ExecError::NoEngine {
                looked_for: "the embedded engine needs the kernel's overlay filesystem, which /proc/filesystems does not list (try `modprobe overlay`)".into(),
            });
        }
        Ok(Embedded {
            images: Arc::new(image::Images::new(images)),
            jobs: jobs.unwrap_or(usize::MAX),
        })
    }
}

impl Executor for Embedded {
    fn describe(&self) -> String {
        format!(
            "embedded (rdock {}: Linux namespaces and overlayfs, no daemon)",
            env!("CARGO_PKG_VERSION")
        )
    }

    fn build(
        &self,
        req: &BuildRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BuildOutput, ExecError> {
        build::build(Arc::clone(&self.images), self.jobs, req, progress)
    }

    /// Nothing is left in an engine; the export belongs to the caller.
    fn remove(&self, _output: &BuildOutput) {}
}

/// The sandbox helper's entry point (`rdock __rdock-sandbox SPEC`), called
/// by `main` before anything else.
pub fn helper_main(spec: &Path) -> i32 {
    sandbox::helper_main(spec)
}
