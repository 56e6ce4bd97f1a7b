//! The flags of the commands that build one Dockerfile (`verify`, `trace`),
//! read the same way for both and as `rdock lint` reads them.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::Exit;
use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct BuildFlags {
    /// The Dockerfile to build.
    pub dockerfile: PathBuf,
    /// The build context. Default: the Dockerfile's folder.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// The stage to build (default: the last).
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// A build argument (`KEY=VALUE`, or `KEY` to take it from the environment).
    #[arg(long, value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// The network of RUN steps (`none`, `host` or `default`).
    #[arg(long, default_value = "none")]
    pub network: String,
    /// A base image for rdock's own executor: `NAME=PATH`, where PATH is a
    /// root filesystem folder, a `docker save` archive or an OCI image
    /// layout. Images not given come from a local Docker daemon.
    #[arg(long, value_name = "NAME=PATH")]
    pub image: Vec<String>,
    /// How many stages rdock's own executor builds at once (default: every
    /// stage that is ready).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Ignore configuration files (`.rdock.toml`: its `[[command]]` models,
    /// build arguments and rule settings).
    #[arg(long)]
    pub no_config: bool,
}

/// What the flags name, read: the Dockerfile's text, its build arguments
/// (`KEY` alone takes the environment's value), the settings `rdock lint
/// --target T --build-arg ...` uses for it, and the context folder.
pub(crate) struct Build {
    pub text: String,
    pub build_args: Vec<(String, String)>,
    pub settings: Arc<Settings>,
    pub context: PathBuf,
}

impl BuildFlags {
    /// Read what the flags name; a file that cannot be read, a bad flag,
    /// a broken configuration or a context that is not a folder is printed
    /// (what, where, how to fix), and `Err` holds the exit code.
    pub(crate) fn read(&self) -> Result<Build, Exit> {
        let text = super::read_dockerfile(&self.dockerfile)?;
        let (build_args, settings) = super::build_settings(
            &self.dockerfile,
            self.target.as_deref(),
            &self.build_arg,
            self.no_config,
        )?;
        let context = self
            .context
            .clone()
            .unwrap_or_else(|| match self.dockerfile.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            });
        if !context.is_dir() {
            return Err(super::fail(
                format!(
                    "the build context `{}` is not a directory",
                    context.display()
                ),
                "pass an existing folder with --context",
            ));
        }
        Ok(Build {
            text,
            build_args: build_args.into_iter().collect(),
            settings,
            context,
        })
    }
}
