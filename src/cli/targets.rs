//! `rdock targets`: the builds a repository runs, found in its bake, compose,
//! workflow, Makefile and script files, and the Dockerfile each one builds.
//! The walk itself is `crate::workspace`, shared with `rdock lint` and the
//! language server.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{DocFormat, Exit};
use crate::workspace::{discover, Roots};

#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// A folder or Dockerfile in the repository (default: the current folder).
    pub path: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DocFormat::Text)]
    pub output_format: DocFormat,
}

pub fn run(args: TargetsArgs) -> Exit {
    let path = args.path.unwrap_or_else(|| PathBuf::from("."));
    if !path.exists() {
        return super::fail(
            format!("`{}` does not exist", path.display()),
            "give a folder or a Dockerfile inside the repository",
        );
    }
    let found = Roots::new(vec![path.clone()]).root_of(&path);
    let d = discover(&found);
    let root = found.dir.clone();
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut out = String::new();
    match args.output_format {
        DocFormat::Json => {
            let builds: Vec<serde_json::Value> = d
                .builds
                .iter()
                .map(|b| {
                    serde_json::json!({
                        "dockerfile": rel(&b.dockerfile),
                        "target": b.target,
                        "origin": b.origin,
                        "kind": b.kind.as_str(),
                    })
                })
                .collect();
            let v = serde_json::json!({
                "root": root.to_string_lossy(),
                "root_kind": found.kind.as_str(),
                "builds": builds,
                "looked_at": d.evidence,
                "problems": d.problems,
            });
            out.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default());
            out.push('\n');
        }
        DocFormat::Text => {
            out.push_str(&format!(
                "Root: {} ({})\n",
                root.display(),
                found.kind.as_str()
            ));
            if d.builds.is_empty() {
                out.push_str("No builds found.\n");
            }
            for b in &d.builds {
                out.push_str(&format!(
                    "{}: {} ({}, {})\n",
                    rel(&b.dockerfile),
                    b.target.as_deref().unwrap_or("<last stage>"),
                    b.origin,
                    b.kind.as_str()
                ));
            }
            out.push_str(&format!(
                "Looked at: {}\n",
                if d.evidence.is_empty() {
                    "nothing".to_string()
                } else {
                    d.evidence.join(", ")
                }
            ));
            for p in &d.problems {
                out.push_str(&format!(
                    "warning: {}\n",
                    crate::workspace::problem_line(p, "")
                ));
            }
        }
    }
    use std::io::Write;
    let _ = std::io::stdout().write_all(out.as_bytes());
    Exit::Ok
}
