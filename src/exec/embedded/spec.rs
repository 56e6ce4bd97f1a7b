//! What the parent asks of one sandbox helper (`rdock __rdock-sandbox
//! SPEC`): the overlay to mount and the one operation to do in it. Written
//! as JSON to a file in the build's work folder.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One step's filesystem and operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    /// The folder the layer paths are relative to (the helper changes into
    /// it before mounting, so that long stacks fit in one mount option page).
    pub root: PathBuf,
    /// Lower layers, uppermost first, relative to `root`.
    pub lowers: Vec<String>,
    /// The step's upper layer and overlay work folder (relative to `root`);
    /// `None` mounts the lowers read-only.
    pub upper: Option<(String, String)>,
    /// Where the merged tree is mounted (relative to `root`).
    pub merged: String,
    pub op: Op,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Op {
    Run(RunSpec),
    /// `mkdir -p` owned by a user (WORKDIR).
    Mkdir {
        path: String,
        user: String,
    },
    Copy(CopySpec),
    /// Write the merged tree as a tar file.
    Export {
        tar: PathBuf,
        epoch: u64,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSpec {
    pub argv: Vec<String>,
    /// `KEY=VALUE`, as the process gets them (HOME added when missing).
    pub env: Vec<String>,
    pub cwd: String,
    /// The USER as written (`name`, `uid`, `name:group`, `uid:gid`); empty for root.
    pub user: String,
    /// Share the host's network instead of an empty network namespace.
    pub network_host: bool,
    /// The /etc/hosts given to the step (a file in `root`).
    pub hosts: PathBuf,
    pub mounts: Vec<RunMount>,
    /// Files for /dev/pipes (a RUN that is one heredoc starting with `#!`): name, content.
    pub pipes: Vec<(String, String)>,
    /// With `rdock trace`: where the helper writes the paths the step read
    /// (a JSON list; see `reads.rs`).
    #[serde(default)]
    pub reads: Option<PathBuf>,
}

/// A `RUN --mount`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RunMount {
    /// A host folder bound at `target` (cache folders, the context, another
    /// stage's merged view mounted by the helper itself).
    Bind {
        source: PathBuf,
        target: String,
        readonly: bool,
    },
    /// A read-only overlay of other layers (relative to `root`), optionally a sub-path of it.
    Layers {
        lowers: Vec<String>,
        subpath: String,
        target: String,
        /// BuildKit's default for `from=` bind mounts is read-only; `rw`
        /// gives a writable scratch copy, which this executor does not do.
        readonly: bool,
    },
    Tmpfs {
        target: String,
        size: Option<u64>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopySpec {
    /// Where the sources come from.
    pub from: CopyFrom,
    /// Source paths as written (expanded), relative to the source root; may hold wildcards.
    pub sources: Vec<String>,
    /// The destination, absolute, trailing slash kept.
    pub dest: String,
    /// `--chown` as written (expanded), resolved in the destination's /etc files.
    pub chown: Option<String>,
    /// `--chmod`, octal.
    pub chmod: Option<u32>,
    /// Context files: owned by root whatever their owner on the host.
    pub reset_owner: bool,
    /// `.dockerignore` text, for the context.
    pub ignore: Option<String>,
    /// ADD: unpack local tar archives.
    pub unpack: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum CopyFrom {
    /// A host folder (the context, or a folder of heredoc files).
    Dir(PathBuf),
    /// Another stage's or image's layers (relative to `root`), uppermost first.
    Layers(Vec<String>),
}
