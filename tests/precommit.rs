//! The pre-commit hooks in `.pre-commit-hooks.yaml`, run by the real
//! `pre-commit` (PyPI, installed by scripts/install-test-deps.sh).
//!
//! `rust_hooks_build_with_cargo_and_fix_in_place` takes the real path of a
//! user's configuration: `repo:` a git repository of this source tree and
//! `rev:` its commit, so that pre-commit clones it and builds the
//! `language: rust` hooks with `cargo install --path .`. Its release profile
//! is lightened through `CARGO_PROFILE_RELEASE_*` (which pre-commit passes on
//! to cargo), crates come from cargo's cache (`CARGO_NET_OFFLINE`), and the
//! build goes to `target/precommit-rust`, so that it costs a few minutes once
//! and seconds after that. The other tests run the hooks as declared (same
//! ids, entries, arguments, `files` pattern and `require_serial`) from a
//! `repo: local` configuration with `language: system` and the entry's
//! `rdock` replaced by the binary cargo built for the tests. What pre-commit
//! does around the hook (choosing files, detecting modified files, exit
//! status) is the real thing in both.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::cargo_bin;
use rdock::cli::files::is_dockerfile_name;

fn hooks_yaml() -> String {
    std::fs::read_to_string(common::root().join(".pre-commit-hooks.yaml"))
        .expect("read .pre-commit-hooks.yaml")
}

/// Every `files:` pattern of the hooks file, unquoted.
fn files_patterns(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|l| l.trim().strip_prefix("files:"))
        .map(|v| v.trim().trim_matches('\'').to_string())
        .collect()
}

#[test]
fn hooks_file_declares_both_hooks() {
    let yaml = hooks_yaml();
    for needle in [
        "- id: rdock\n",
        "- id: rdock-fix\n",
        "entry: rdock lint\n",
        "entry: rdock lint --fix\n",
    ] {
        assert!(yaml.contains(needle), "missing `{needle}`");
    }
    assert_eq!(yaml.matches("language: rust\n").count(), 2);
    assert_eq!(yaml.matches("require_serial: false\n").count(), 2);
}

/// The `files` pattern matches exactly the names rdock lints in a directory.
#[test]
fn files_pattern_agrees_with_is_dockerfile_name() {
    let patterns = files_patterns(&hooks_yaml());
    assert_eq!(patterns.len(), 2, "one `files` per hook");
    assert_eq!(patterns[0], patterns[1], "both hooks match the same files");
    // pre-commit uses Python's `re.search`; this pattern uses nothing that
    // Rust's regex reads differently.
    let re = regex::Regex::new(&patterns[0]).expect("the files pattern compiles");
    let names = [
        "Dockerfile",
        "dockerfile",
        "DOCKERFILE",
        "Dockerfile.dev",
        "Dockerfile.",
        "dockerfile.prod.arm64",
        "app.Dockerfile",
        "x.dockerfile",
        ".dockerfile",
        "Containerfile",
        "containerfile.ci",
        "Containerfile.prod",
        "Dockerfiles",
        "Dockerfile-dev",
        "README.md",
        "dockerfile-lint",
        "Makefile",
        "docker-compose.yml",
        "Containerfiles",
        "app.dockerfile.bak",
        "my-Dockerfile",
        "Dockerfile.d",
    ];
    for name in names {
        let want = is_dockerfile_name(name);
        for path in [
            name.to_string(),
            format!("sub/dir/{name}"),
            format!("Dockerfile.d/{name}"),
        ] {
            assert_eq!(
                re.is_match(&path),
                want,
                "{path}: pre-commit's `files` and is_dockerfile_name disagree"
            );
        }
    }
}

/// `python3 -m pre_commit`, or `None` when pre-commit is not installed.
fn pre_commit() -> Option<Vec<String>> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-m", "pre_commit", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| vec![python, "-m".into(), "pre_commit".into()])
}

struct Repo {
    dir: tempfile::TempDir,
    pre_commit: Vec<String>,
}

impl Repo {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        self.run_with(program, args, &[])
    }

    fn run_with(&self, program: &str, args: &[&str], env: &[(&str, String)]) -> Output {
        Command::new(program)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.path())
            .env("PRE_COMMIT_HOME", self.path().join(".pre-commit-cache"))
            .env("GIT_AUTHOR_NAME", "rdock test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "rdock test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    }

    fn git(&self, args: &[&str]) {
        let out = self.run("git", args);
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    }

    fn hook(&self, id: &str) -> Output {
        self.hook_with(id, &[])
    }

    fn hook_with(&self, id: &str, env: &[(&str, String)]) -> Output {
        let mut args: Vec<&str> = self.pre_commit[1..].iter().map(String::as_str).collect();
        args.extend(["run", id, "--all-files", "--color", "never"]);
        self.run_with(&self.pre_commit[0], &args, env)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read file")
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The hooks file turned into a `repo: local` configuration that runs the
/// binary under test.
fn local_config(bin: &Path) -> String {
    let bin = bin.to_str().expect("a UTF-8 path to the rdock binary");
    assert!(
        !bin.contains([' ', '\'', '"', ':', '#']),
        "{bin}: a path YAML and shlex take as is"
    );
    let mut config = String::from("repos:\n  - repo: local\n    hooks:\n");
    for line in hooks_yaml().lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let line = line
            .replace("language: rust", "language: system")
            .replace("entry: rdock ", &format!("entry: {bin} "));
        config.push_str("      ");
        config.push_str(&line);
        config.push('\n');
    }
    config
}

fn setup() -> Option<Repo> {
    let bin: PathBuf = cargo_bin("rdock");
    setup_with(&local_config(&bin))
}

fn setup_with(config: &str) -> Option<Repo> {
    let Some(pre_commit) = pre_commit() else {
        common::skip(
            "precommit",
            "pre-commit is not installed (scripts/install-test-deps.sh installs it)",
        );
        return None;
    };
    let repo = Repo {
        dir: tempfile::tempdir().expect("tempdir"),
        pre_commit,
    };
    repo.git(&["init", "-q", "-b", "main"]);
    std::fs::write(repo.path().join(".pre-commit-config.yaml"), config).expect("write config");
    std::fs::create_dir_all(repo.path().join("services/api")).expect("mkdir");
    // Two fixable findings (RD108 `as` casing, RD107 stage name casing), in a
    // nested file with a name the `files` pattern must pick.
    std::fs::write(
        repo.path().join("services/api/Dockerfile.prod"),
        "FROM alpine:3.19 as Build\nRUN true\n",
    )
    .expect("write Dockerfile");
    // Not a Dockerfile: pre-commit must not pass it to rdock.
    std::fs::write(repo.path().join("notes.txt"), "FROM as as as\n").expect("write");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "initial"]);
    Some(repo)
}

#[test]
fn fix_hook_fails_fixes_in_place_then_passes() {
    let Some(repo) = setup() else { return };
    let file = "services/api/Dockerfile.prod";

    // The lint hook fails on the findings and changes nothing.
    let out = repo.hook("rdock");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("RD108") && stdout.contains("RD107"),
        "{}",
        text(&out)
    );
    assert!(!stdout.contains("notes.txt"), "{}", text(&out));
    assert_eq!(repo.read(file), "FROM alpine:3.19 as Build\nRUN true\n");

    // The fix hook fixes the file in place; pre-commit fails the run because
    // the hook modified files, as with any fixer.
    let out = repo.hook("rdock-fix");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("files were modified by this hook"),
        "{}",
        text(&out)
    );
    assert_eq!(repo.read(file), "FROM alpine:3.19 AS build\nRUN true\n");

    // Second run: nothing left to fix, both hooks pass.
    let out = repo.hook("rdock-fix");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = repo.hook("rdock");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Passed"),
        "{}",
        text(&out)
    );
}

#[test]
fn hooks_run_as_git_commit_hooks() {
    let Some(repo) = setup() else { return };
    let mut args: Vec<&str> = repo.pre_commit[1..].iter().map(String::as_str).collect();
    args.extend(["install"]);
    let out = repo.run(&repo.pre_commit[0], &args);
    assert!(out.status.success(), "{}", text(&out));

    // A new unfixable finding (RD102, a `--from` that is a typo of a stage
    // name) blocks the commit, after the fixer has fixed what it can. (A
    // bare word far from every stage name may be a named build context, so
    // RD102 reports only typos in a lone Dockerfile.)
    let file = "Containerfile";
    std::fs::write(
        repo.path().join(file),
        "FROM alpine:3.19 as build\nRUN true\nFROM alpine:3.19\nCOPY --from=bulid /x /x\n",
    )
    .expect("write");
    repo.git(&["add", file]);
    let out = repo.run("git", &["commit", "-q", "-m", "add Containerfile"]);
    assert!(
        !out.status.success(),
        "the commit must be refused: {}",
        text(&out)
    );
    // git prints the hooks' output on its standard error.
    assert!(text(&out).contains("RD102"), "{}", text(&out));
    assert_eq!(
        repo.read(file),
        "FROM alpine:3.19 AS build\nRUN true\nFROM alpine:3.19\nCOPY --from=bulid /x /x\n"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// A git repository holding what `cargo install --path .` needs from this
/// source tree (Cargo.toml's `include`) and the hooks file, committed; and
/// its commit.
fn hook_repository(dir: &Path) -> String {
    let root = common::root();
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "ARCHITECTURE.md",
        ".pre-commit-hooks.yaml",
    ] {
        std::fs::copy(root.join(file), dir.join(file)).expect("copy");
    }
    copy_tree(&root.join("src"), &dir.join("src"));
    copy_tree(&root.join("rules"), &dir.join("rules"));
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "rdock test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "rdock test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .output()
            .expect("run git");
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "rdock"]);
    git(&["rev-parse", "HEAD"])
}

/// The real `language: rust` path: pre-commit clones the hook repository at
/// `rev` and builds rdock with `cargo install`.
#[test]
fn rust_hooks_build_with_cargo_and_fix_in_place() {
    let hooks = tempfile::tempdir().expect("tempdir");
    let rev = hook_repository(hooks.path());
    let repo_path = hooks.path().to_str().expect("a UTF-8 temporary path");
    let config = format!(
        "repos:\n  - repo: {repo_path}\n    rev: {rev}\n    hooks:\n      - id: rdock\n      - id: rdock-fix\n"
    );
    let Some(repo) = setup_with(&config) else {
        return;
    };
    let target = common::root().join("target/precommit-rust");
    let env: Vec<(&str, String)> = vec![
        ("CARGO_NET_OFFLINE", "true".into()),
        ("CARGO_TARGET_DIR", target.display().to_string()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".into()),
        ("CARGO_PROFILE_RELEASE_LTO", "false".into()),
        ("CARGO_PROFILE_RELEASE_DEBUG", "0".into()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256".into()),
        ("CARGO_PROFILE_RELEASE_INCREMENTAL", "true".into()),
    ];
    let file = "services/api/Dockerfile.prod";

    // The first run installs the hook environment with cargo, then lints.
    let started = std::time::Instant::now();
    let out = repo.hook_with("rdock", &env);
    eprintln!(
        "pre-commit built the rust hooks and ran in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("RD108") && stdout.contains("RD107"),
        "{}",
        text(&out)
    );
    // The hook ran the binary cargo installed into pre-commit's environment.
    let cache = repo.path().join(".pre-commit-cache");
    let installed: Vec<PathBuf> = std::fs::read_dir(&cache)
        .expect("pre-commit's cache")
        .filter_map(|e| e.ok().map(|e| e.path().join("rustenv-system/bin/rdock")))
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(
        installed.len(),
        1,
        "no rustenv-system/bin/rdock in {}",
        cache.display()
    );

    let out = repo.hook_with("rdock-fix", &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("files were modified by this hook"),
        "{}",
        text(&out)
    );
    assert_eq!(repo.read(file), "FROM alpine:3.19 AS build\nRUN true\n");
    let out = repo.hook_with("rdock-fix", &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = repo.hook_with("rdock", &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
