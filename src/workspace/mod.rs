//! What rdock reads around a Dockerfile on disk, for `rdock lint`, `rdock
//! targets` and the language server alike: the builds the repository runs
//! (bake, compose, workflow, Makefile and script files, parsed by
//! `targets`) and the build context's `.dockerignore` (`dockerignore`),
//! and the configuration files (`config_files`). The core (`crate::check`)
//! does no I/O; this folder is where that I/O lives.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dockerignore::Dockerignore;
use targets::{BuildRef, DockerfilePath, FoundTarget, SourceKind};

pub mod config_files;
pub mod dockerignore;
pub mod gitindex;
pub mod root;
pub mod targets;

pub use root::{common_top, Root, RootKind, Roots};

/// The most files a walk of a folder without a git index visits; past it,
/// the walk stops and says so (`Discovery::problems`).
pub const MAX_WALK: usize = 100_000;

/// How the problem of a walk stopped at [`MAX_WALK`] files begins.
pub const WALK_STOPPED: &str = "stopped walking ";

/// A line about a problem in [`Discovery::problems`] for a warning: a build
/// file skipped (`path: why`), with `consequence` after it, or the walk
/// stopped, which says what it means itself.
pub fn problem_line(problem: &str, consequence: &str) -> String {
    if problem.starts_with(WALK_STOPPED) {
        problem.to_string()
    } else {
        format!("skipped {problem}{consequence}")
    }
}

/// One build: the Dockerfile it builds, the stage, and where it was found.
#[derive(Debug, Clone)]
pub struct Build {
    pub dockerfile: PathBuf,
    pub target: Option<String>,
    /// `path:line`, relative to the root.
    pub origin: String,
    pub kind: SourceKind,
}

/// What a walk of one repository found.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub builds: Vec<Build>,
    /// Files read, relative to the root.
    pub evidence: Vec<String>,
    /// Files that could not be read or parsed, with why.
    pub problems: Vec<String>,
    /// Stage names the build files pass along outside a build rdock can
    /// follow (`targets::target_hints`), with `path:line`: a stage of that
    /// name, in any Dockerfile, may be a target.
    pub hints: Vec<(String, String)>,
    /// Build arguments and named build contexts the build files pass
    /// (`targets::passed_names`), with `path:line`.
    pub passed: Arc<targets::PassedNames>,
    /// What was read, with its modification time when read: the index or
    /// the root folder, and every build file. The result still holds while
    /// none of them changed ([`Discovery::is_current`]).
    pub stamps: Vec<(PathBuf, Option<std::time::SystemTime>)>,
    /// The indexes in `builds` of each Dockerfile's builds.
    by_file: std::collections::HashMap<PathBuf, Vec<usize>>,
}

fn mtime(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Discovery {
    /// Whether none of the files read has changed since (a file added to a
    /// tracked checkout changes its index; one added in a walked folder
    /// changes that folder).
    pub fn is_current(&self) -> bool {
        self.stamps.iter().all(|(p, t)| mtime(p) == *t)
    }

    /// The builds of one Dockerfile, as the rules want them.
    pub fn for_dockerfile(&self, file: &Path) -> Vec<FoundTarget> {
        let Ok(file) = std::fs::canonicalize(file) else {
            return Vec::new();
        };
        let mut found: Vec<FoundTarget> = self
            .by_file
            .get(&file)
            .into_iter()
            .flatten()
            .map(|&i| &self.builds[i])
            .map(|b| FoundTarget {
                name: b.target.clone(),
                hint: None,
                origin: b.origin.clone(),
            })
            .collect();
        if !self.hints.is_empty() {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let stages = stage_names(&text);
            for (name, origin) in &self.hints {
                if stages.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    found.push(FoundTarget {
                        name: None,
                        hint: Some(name.clone()),
                        origin: origin.clone(),
                    });
                }
            }
        }
        found
    }
}

/// The names of the stages of a Dockerfile, read from its `FROM ... AS name`
/// lines (enough to match target hints; the model does the real parsing).
fn stage_names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.trim_start()
                .get(..4)
                .is_some_and(|w| w.eq_ignore_ascii_case("from"))
        })
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let from = w.first()?.eq_ignore_ascii_case("from");
            let n = w.len();
            (from && n >= 4 && w[n - 2].eq_ignore_ascii_case("as")).then(|| w[n - 1].to_string())
        })
        .collect()
}

fn kind_of(rel: &Path) -> Option<SourceKind> {
    let name = rel.file_name()?.to_string_lossy().to_ascii_lowercase();
    let in_workflows = rel
        .parent()
        .is_some_and(|p| p.ends_with(".github/workflows"));
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if in_workflows && yaml {
        Some(SourceKind::Workflow)
    } else if (name.starts_with("docker-bake")
        || name.contains(".bake.")
        || name.starts_with("bake."))
        && (name.ends_with(".hcl") || name.ends_with(".json"))
    {
        Some(SourceKind::Bake)
    } else if yaml
        && (name.starts_with("compose")
            || name.starts_with("docker-compose")
            || name.contains(".compose.")
            || name.contains("-compose."))
    {
        Some(SourceKind::Compose)
    } else if yaml && (name == "action" || name.starts_with("action.")) {
        // A composite action: `runs.steps`, read as a workflow.
        Some(SourceKind::Workflow)
    } else if name.starts_with("makefile")
        || name.ends_with("makefile")
        || name.ends_with(".mk")
        || name.ends_with(".make")
        || [
            ".sh", ".bash", ".zsh", ".ksh", ".bats", ".ps1", ".psm1", ".bat", ".cmd",
        ]
        .iter()
        .any(|e| name.ends_with(e))
        || name == "justfile"
        || name == "jenkinsfile"
        || name == "tiltfile"
        || name.ends_with(".md")
        || name == "earthfile"
        || (yaml && other_ci_file(rel, &name))
    {
        Some(SourceKind::Script)
    } else {
        None
    }
}

/// YAML files of other CI and build tools, read line by line as scripts:
/// GitLab (`.gitlab-ci.yml`, `.gitlab/`), CircleCI, Buildkite, Drone,
/// Woodpecker, Azure Pipelines, Bitbucket, Travis, Cloud Build, Skaffold,
/// Taskfiles.
fn other_ci_file(rel: &Path, name: &str) -> bool {
    let in_dir = |d: &str| {
        rel.components()
            .any(|c| c.as_os_str().to_string_lossy().eq_ignore_ascii_case(d))
    };
    name.contains("gitlab-ci")
        || [
            "cloudbuild",
            "skaffold",
            "azure-pipelines",
            "bitbucket-pipelines",
            "taskfile",
        ]
        .iter()
        .any(|p| name.starts_with(p))
        || name.starts_with(".drone")
        || name.starts_with(".travis")
        || name.starts_with(".woodpecker")
        || [
            ".gitlab",
            ".circleci",
            ".buildkite",
            ".woodpecker",
            ".tekton",
            ".azure-pipelines",
        ]
        .iter()
        .any(|d| in_dir(d))
}

/// The lines of a Markdown text inside fenced code blocks; every other line
/// empty, so that line numbers stay.
fn fenced_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let t = line.trim_start();
        match fence {
            Some(f) if t.starts_with(f) => fence = None,
            Some(_) => out.push_str(line),
            None if t.starts_with("```") => fence = Some("```"),
            None if t.starts_with("~~~") => fence = Some("~~~"),
            None => {}
        }
        out.push('\n');
    }
    out
}

/// A file without an extension that starts with a shell's `#!` line
/// (`hack/build`, `bin/release`, `scripts/image`): a script.
fn is_shell_script(path: &Path) -> bool {
    use std::io::Read;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.is_none_or(|n| n.contains('.')) {
        return false;
    }
    if std::fs::metadata(path).map_or(true, |m| m.len() > 1 << 20) {
        return false;
    }
    let mut head = [0u8; 128];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    let first = String::from_utf8_lossy(&head[..n]);
    let first = first.lines().next().unwrap_or("");
    first.starts_with("#!")
        && ["sh", "bash", "zsh", "ksh", "dash", "make"]
            .iter()
            .any(|s| first.split(['/', ' ']).any(|w| w == *s))
}

/// A file a build could name with `-f`: its name holds `dockerfile` or
/// `containerfile`.
fn is_dockerfile_like(path: &Path) -> bool {
    path.file_name().is_some_and(|n| {
        let n = n.to_string_lossy().to_ascii_lowercase();
        n.contains("dockerfile") || n.contains("containerfile")
    })
}

/// The files under `root` that discovery considers: the checkout's
/// tracked files when a git index lists them, else a walk honouring
/// `.gitignore` (also outside git) that does not enter other checkouts,
/// stopped after [`MAX_WALK`] files.
fn files_under(root: &Root, d: &mut Discovery) -> Vec<PathBuf> {
    if let Some((checkout, tracked)) = &root.index {
        if let Some(index) = gitindex::index_file(checkout) {
            d.stamps.push((index.clone(), mtime(&index)));
        }
        let rel = root
            .dir
            .strip_prefix(checkout)
            .unwrap_or(Path::new(""))
            .to_string_lossy()
            .replace('\\', "/");
        return tracked.under(&rel).map(|p| checkout.join(p)).collect();
    }
    d.stamps.push((root.dir.clone(), mtime(&root.dir)));
    // A folder below with a `.git` of its own is another repository: its
    // builds are its own (a Dockerfile in it has that checkout for root),
    // and walking into it would read them for every file up here.
    let walker = ignore::WalkBuilder::new(&root.dir)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| {
            e.file_name() != ".git"
                && !(e.depth() > 0
                    && e.file_type().is_some_and(|t| t.is_dir())
                    && e.path().join(".git").exists())
        })
        .build();
    let mut files = Vec::new();
    for e in walker.filter_map(Result::ok) {
        if e.file_type().is_some_and(|t| t.is_file()) {
            if files.len() == MAX_WALK {
                d.problems.push(format!(
                    "{WALK_STOPPED}{} after {MAX_WALK} files: build files further on were not read \
                     (a `.git` or a `.rdock.toml` with `root = true` nearer the Dockerfiles bounds the walk)",
                    root.dir.display()
                ));
                break;
            }
            files.push(e.into_path());
        }
    }
    files
}

/// The Dockerfiles under the folder `dir` (the language server's
/// workspace symbols): the tracked files of the checkout that holds it when
/// its index lists them, else a walk honouring `.gitignore`, stopped after
/// [`MAX_WALK`] files, as discovery reads them. Names are those `rdock
/// lint` takes in a folder (`Dockerfile`, `Dockerfile.*`, `*.dockerfile`,
/// `Dockerfile-*`, the same for `Containerfile`), without the extension of
/// another kind of file. Also what stopped the walk, if anything.
pub fn dockerfiles_under(dir: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let found = Roots::new(vec![dir.to_path_buf()]).root_of(dir);
    let root = Root {
        dir: dir.to_path_buf(),
        kind: found.kind,
        index: found.index,
    };
    let mut d = Discovery::default();
    let mut files: Vec<PathBuf> = files_under(&root, &mut d)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| dockerfile_name(&n.to_string_lossy()))
        })
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    (files, d.problems)
}

/// A file name `rdock lint` reads as a Dockerfile in a folder.
fn dockerfile_name(name: &str) -> bool {
    const OTHER: [&str; 14] = [
        "yml", "yaml", "json", "md", "txt", "sh", "py", "toml", "lock", "js", "ts", "go", "rs",
        "bak",
    ];
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerfile") {
        return true;
    }
    let Some(rest) = lower
        .strip_prefix("dockerfile")
        .or_else(|| lower.strip_prefix("containerfile"))
    else {
        return false;
    };
    rest.is_empty()
        || (rest.starts_with(['.', '-', '_'])
            && !rest
                .rsplit_once('.')
                .is_some_and(|(_, ext)| OTHER.contains(&ext)))
}

/// Read every build file of the repository at `root`.
pub fn discover(root: &Root) -> Discovery {
    let mut d = Discovery::default();
    let mut files = files_under(root, &mut d);
    files.sort();
    let root = root.dir.as_path();
    // The Dockerfiles a build path holding a variable could name.
    let candidates: Vec<(String, PathBuf)> = files
        .iter()
        .filter(|p| is_dockerfile_like(p))
        .filter_map(|p| {
            let rel = p
                .strip_prefix(root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some((rel, std::fs::canonicalize(p).ok()?))
        })
        .collect();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let kind = match kind_of(&rel) {
            Some(k) => k,
            None if is_shell_script(&path) => SourceKind::Script,
            None => continue,
        };
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        let when = mtime(&path);
        let Ok(text) = std::fs::read_to_string(&path) else {
            // (A tracked file deleted from the working tree is not a problem.)
            if path.exists() {
                d.problems.push(format!("{rel_s}: cannot be read"));
            }
            continue;
        };
        d.stamps.push((path.clone(), when));
        // Markdown: only its fenced code blocks (`docker build --target dev
        // .` in a README is a build people run), line numbers kept.
        let markdown = rel_s.to_ascii_lowercase().ends_with(".md");
        let text = if markdown { fenced_code(&text) } else { text };
        let parsed = match kind {
            SourceKind::Bake if rel_s.ends_with(".json") => targets::parse_bake_json(&text),
            SourceKind::Bake => targets::parse_bake_hcl(&text),
            SourceKind::Compose => targets::parse_compose(&text),
            SourceKind::Workflow => targets::parse_workflow(&text),
            SourceKind::Script => Ok(targets::parse_script(&text)),
        };
        let refs = match parsed {
            Ok(r) => r,
            Err(e) => {
                d.problems.push(format!("{rel_s}: {e}"));
                continue;
            }
        };
        let hints = if matches!(kind, SourceKind::Script | SourceKind::Workflow) {
            // A `target:` key is a workflow step's own input (read with the
            // step); in another tool's file (Skaffold) it is a hint.
            let yaml_targets = kind == SourceKind::Script && !markdown;
            targets::target_hints(&text, yaml_targets)
        } else {
            Vec::new()
        };
        // (Documents count as looked at only when they show a build.)
        if !markdown || !refs.is_empty() || !hints.is_empty() {
            d.evidence.push(rel_s.clone());
        }
        for (name, line) in hints {
            d.hints.push((name, format!("{rel_s}:{line}")));
        }
        let passed = targets::passed_names(&text);
        let all = Arc::make_mut(&mut d.passed);
        for (name, line) in passed.args {
            all.args.push((name, format!("{rel_s}:{line}")));
        }
        for (name, line) in passed.contexts {
            all.contexts.push((name, format!("{rel_s}:{line}")));
        }
        let dir = path.parent().unwrap_or(root).to_path_buf();
        for r in refs {
            for dockerfile in resolve(&r, &dir, root, &candidates) {
                d.builds.push(Build {
                    dockerfile,
                    target: r.target.clone(),
                    origin: format!("{rel_s}:{}", r.line),
                    kind: r.kind,
                });
            }
        }
    }
    for (i, b) in d.builds.iter().enumerate() {
        d.by_file.entry(b.dockerfile.clone()).or_default().push(i);
    }
    d
}

/// The Dockerfiles a build reads: the one its path names, if it exists, or
/// when the path holds a variable (`-f Dockerfile.$2`, `-f $(DIR)/$(FILE)`),
/// every Dockerfile of the repository (`candidates`: root-relative path,
/// real path) it could name.
fn resolve(
    r: &BuildRef,
    dir: &Path,
    root: &Path,
    candidates: &[(String, PathBuf)],
) -> Vec<PathBuf> {
    // Bake and compose paths are relative to their file; workflows run at the
    // repository root; scripts and Makefiles run in their folder or at the root.
    let cwds: Vec<&Path> = match r.kind {
        SourceKind::Bake | SourceKind::Compose | SourceKind::Script => vec![dir, root],
        SourceKind::Workflow => vec![root],
    };
    let context = r.context.as_deref().unwrap_or(".");
    let written = match &r.dockerfile {
        DockerfilePath::Default => format!("{context}/Dockerfile"),
        DockerfilePath::InContext(f) => format!("{context}/{f}"),
        DockerfilePath::FromCwd(f) => f.clone(),
    };
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if targets::is_pattern(&written) {
        if written.starts_with('/') {
            return found;
        }
        for cwd in cwds {
            let Ok(rel_cwd) = cwd.strip_prefix(root) else {
                continue;
            };
            let rel_cwd = rel_cwd.to_string_lossy().replace('\\', "/");
            let mut patterns = vec![written.clone()];
            // `$(CURDIR)/build/Dockerfile`, `${GITHUB_WORKSPACE}/Dockerfile`:
            // a first folder that is a variable may be the working directory.
            if let Some((first, rest)) = written.split_once('/') {
                if targets::is_pattern(first) {
                    patterns.push(rest.to_string());
                }
            }
            for p in patterns {
                let Some(p) = normalize(&format!("{rel_cwd}/{p}")) else {
                    continue;
                };
                for (rel, real) in candidates {
                    if targets::pattern_matches(&p, rel) && seen.insert(real) {
                        found.push(real.clone());
                    }
                }
            }
        }
        return found;
    }
    for cwd in cwds {
        let file = match &r.dockerfile {
            DockerfilePath::Default => cwd.join(context).join("Dockerfile"),
            DockerfilePath::InContext(f) => cwd.join(context).join(f),
            DockerfilePath::FromCwd(f) => cwd.join(f),
        };
        if let Ok(p) = std::fs::canonicalize(&file) {
            if p.is_file() {
                found.push(p);
                break;
            }
        }
    }
    // Not found where the script runs: it may `cd` first (`cd build &&
    // docker build -f docker/Dockerfile.prod .` over several lines). A path
    // more telling than `Dockerfile` stands for the Dockerfiles ending so.
    if found.is_empty() && matches!(r.kind, SourceKind::Script | SourceKind::Workflow) {
        let tail = normalize(&written).unwrap_or_default();
        let plain = ["dockerfile", "containerfile"].contains(&tail.to_ascii_lowercase().as_str());
        if !tail.is_empty() && !plain {
            for (rel, real) in candidates {
                if (rel == &tail || rel.ends_with(&format!("/{tail}"))) && seen.insert(real) {
                    found.push(real.clone());
                }
            }
        }
    }
    found
}

/// A root-relative path pattern without `.`, `..` or empty segments; `None`
/// when it leaves the root.
fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    Some(out.join("/"))
}

/// The `.dockerignore` of a Dockerfile's build context, as BuildKit picks it:
/// `<Dockerfile>.dockerignore` beside it, else `.dockerignore` in its folder
/// (the context when the build is run there).
pub fn dockerignore_for(path: &Path) -> Option<Dockerignore> {
    let mut own = path.as_os_str().to_owned();
    own.push(".dockerignore");
    let own = PathBuf::from(own);
    let shared = path.parent().map(|d| d.join(".dockerignore"));
    [Some(own), shared].into_iter().flatten().find_map(|p| {
        let text = std::fs::read_to_string(&p).ok()?;
        let name = p.file_name()?.to_string_lossy().into_owned();
        Some(Dockerignore::parse(name, &text))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_code_only() {
        let md = "Run `docker build --target prose .`\n\n```sh\ndocker build --target dev .\n```\n";
        let code = fenced_code(md);
        assert_eq!(code.lines().count(), 5);
        let b = targets::parse_script(&code);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("dev"));
        assert_eq!(b[0].line, 4);
    }

    #[test]
    fn build_files_of_other_tools() {
        for f in [
            ".gitlab-ci.yml",
            ".gitlab/ci/build.yml",
            ".circleci/config.yml",
            ".buildkite/pipeline.yaml",
            "cloudbuild.yaml",
            "skaffold.yaml",
            "Taskfile.yml",
            "hack/Tiltfile",
            "docs/README.md",
            "build.ps1",
            "Makefile.docker",
            "docker.Makefile",
            "hack/test.bats",
            "build.cmd",
        ] {
            assert_eq!(kind_of(Path::new(f)), Some(SourceKind::Script), "{f}");
        }
        assert_eq!(kind_of(Path::new("config/app.yml")), None);
        assert_eq!(
            kind_of(Path::new("ci/action.yml")),
            Some(SourceKind::Workflow)
        );
        assert_eq!(
            kind_of(Path::new("build/app.bake.hcl")),
            Some(SourceKind::Bake)
        );
        assert_eq!(
            kind_of(Path::new("dev.compose.yaml")),
            Some(SourceKind::Compose)
        );
    }

    #[test]
    fn stage_names_of_a_dockerfile() {
        let names =
            stage_names("FROM alpine AS base\nfrom --platform=$X base as Build\nFROM scratch\n");
        assert_eq!(names, ["base", "Build"]);
    }
}
