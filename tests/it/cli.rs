//! End-to-end tests of the `rdock` command line: exit codes, inputs (files,
//! directories, stdin), every output format, configuration, suppression
//! comments, targets and build arguments, fixes, and the other subcommands.
//!
//! Every test builds its own project in a temporary directory and runs the
//! binary there with relative paths, so paths in the output are stable.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

// ---------------------------------------------------------------------------
// Helpers.

/// A temporary project directory to run rdock in.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    /// Builder form of [`Project::write`].
    fn with(self, rel: &str, text: &str) -> Project {
        self.write(rel, text);
        self
    }

    /// Write `text` to `rel`, creating parent directories.
    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create parent directories");
        }
        fs::write(&path, text).expect("write a file");
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).expect("read a file")
    }

    /// Every entry under the project (files, links and directories), relative, sorted.
    fn listing(&self) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().into_owned());
                if path.is_dir() && !path.is_symlink() {
                    walk(root, &path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.path(), self.dir.path(), &mut out);
        out.sort();
        out
    }

    /// `rdock <args>` in the project, with a clean environment.
    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = cargo_bin_cmd!("rdock");
        cmd.current_dir(self.dir.path())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("RDOCK_OUTPUT_FORMAT")
            .env("RUST_BACKTRACE", "0");
        // These tests exercise the CLI with the stage rules; the shell and
        // image families (RD3xx, RD4xx) would add findings to their fixtures.
        match args.split_first() {
            Some((&"lint", rest)) => {
                cmd.args(["lint", "--ignore", "RD3", "--ignore", "RD4"])
                    .args(rest);
            }
            _ => {
                cmd.args(args);
            }
        }
        cmd
    }

    /// `rdock <args>`.
    fn run(&self, args: &[&str]) -> Run {
        Run::of(&mut self.cmd(args))
    }

    /// `rdock lint <args>`.
    fn lint(&self, args: &[&str]) -> Run {
        self.run(&[&["lint"], args].concat())
    }

    /// `rdock lint <args>` with `stdin` on standard input.
    fn lint_stdin(&self, args: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
        let mut cmd = self.cmd(&[&["lint"], args].concat());
        cmd.write_stdin(stdin.into());
        Run::of(&mut cmd)
    }

    /// `rdock lint --output-format concise --quiet <args>`: one line per finding.
    fn concise(&self, args: &[&str]) -> Run {
        self.lint(&[&["--output-format", "concise", "--quiet"], args].concat())
    }
}

/// What a run of rdock did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn of(cmd: &mut assert_cmd::Command) -> Run {
        let out = cmd.output().expect("run rdock");
        Run {
            code: out.status.code().expect("rdock exited by a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Assert the exit code, showing everything when it differs.
    #[track_caller]
    fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, expected, "unexpected exit code\n{self}");
        self
    }

    /// The rule codes in concise output, in order.
    fn codes(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect()
    }

    /// The paths in concise output, in order, without repeats.
    fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self
            .stdout
            .lines()
            .filter_map(|l| l.split(':').next())
            .collect();
        paths.dedup();
        paths
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: not JSON\n{self}"))
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit code: {}\n--- stdout\n{}--- stderr\n{}---",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One finding: RD108 (`as` in lower case), with a safe fix.
const AS_CASING: &str = "FROM alpine as a\n";

/// Clean.
const CLEAN: &str = "FROM alpine:3.19\nRUN true\n";

/// RD101 on `unused` (unsafe fix) and RD108 on line 1 (safe fix).
const UNREACHABLE: &str = "\
FROM alpine as build
RUN echo build

FROM alpine AS unused
RUN echo unused

FROM alpine
COPY --from=build /x /x
";

/// RD102 only (no fix): a typo in `--from`.
const TYPO: &str = "\
FROM golang:1.22 AS builder
RUN go build -o /app .

FROM alpine:3.19
COPY --from=bulder /app /app
";

/// From ../shared/seed/skip.Dockerfile: `task1` and `task2` are unreachable
/// from the last stage, and every `as` is lower case.
const SEED_SKIP: &str = "\
FROM debian:12.4 as task1
WORKDIR /app
RUN sleep 5 && echo \"task1 Done\" > /app/result.log

FROM debian:12.4 as task2
WORKDIR /app
RUN sleep 5 && echo \"task2 Done\" > /app/result.log

FROM debian:12.4 as task3
WORKDIR /app
RUN sleep 5 && echo \"task3 Done\" > /app/result.log
";

/// From ../shared/seed/parallel.Dockerfile: every stage is used; `as` is
/// lower case and `Final` is not lower case.
const SEED_PARALLEL: &str = "\
FROM debian:12.4 as task1
WORKDIR /app
RUN sleep 5 && echo \"task1 Done\" > /app/result.log

FROM debian:12.4 as task2
WORKDIR /app
RUN sleep 5 && echo \"task2 Done\" > /app/result.log

FROM debian:12.4 as task3
WORKDIR /app
RUN sleep 5 && echo \"task3 Done\" > /app/result.log

FROM debian:12.4 as Final

WORKDIR /app
COPY --from=task1 /app/result.log /app/task1.log
COPY --from=task2 /app/result.log /app/task2.log
COPY --from=task3 /app/result.log /app/task3.log
";

/// From ../shared/seed/serial.Dockerfile: clean.
const SEED_SERIAL: &str = "\
FROM debian:12.4
WORKDIR /app
RUN sleep 5 && echo \"task1 Done\" > /app/task1.log
RUN sleep 5 && echo \"task2 Done\" > /app/task2.log
RUN sleep 5 && echo \"task3 Done\" > /app/task3.log
";

/// A fixed time, to tell whether a file was written.
fn long_ago() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

fn set_mtime(path: &Path, time: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(time)
        .expect("set mtime");
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path)
        .expect("metadata")
        .modified()
        .expect("mtime")
}

// ---------------------------------------------------------------------------
// Exit codes.

#[test]
fn exit_0_when_clean() {
    let p = Project::new().with("Dockerfile", CLEAN);
    let run = p.lint(&["Dockerfile"]);
    run.code(0);
    assert_eq!(run.stdout, "No problems found.\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn exit_1_on_findings() {
    let p = Project::new().with("Dockerfile", UNREACHABLE);
    p.lint(&["Dockerfile"]).code(1);
}

#[test]
fn seed_files() {
    let p = Project::new()
        .with("seed/skip.Dockerfile", SEED_SKIP)
        .with("seed/parallel.Dockerfile", SEED_PARALLEL)
        .with("seed/serial.Dockerfile", SEED_SERIAL);
    let run = p.concise(&["seed"]);
    run.code(1);
    insta::assert_snapshot!(run.stdout);
    // The serial file gets one finding: its RUN steps could run in parallel.
    let run = p.concise(&["seed/serial.Dockerfile"]);
    run.code(1);
    assert_eq!(run.codes(), ["RD501"]);
    // Fixed, it is clean.
    p.lint(&["--fix", "seed/serial.Dockerfile"]).code(0);
    p.concise(&["seed/serial.Dockerfile"]).code(0);
}

#[test]
fn fail_level_decides_the_exit_code() {
    // UNREACHABLE has warnings only.
    let p = Project::new().with("Dockerfile", UNREACHABLE);
    p.lint(&["--fail-level", "style", "Dockerfile"]).code(1);
    p.lint(&["--fail-level", "warning", "Dockerfile"]).code(1);
    let run = p.concise(&["--fail-level", "error", "Dockerfile"]);
    run.code(0);
    // The findings are still shown.
    assert_eq!(run.codes(), ["RD108", "RD101"]);

    // An error (RD105, duplicate stage name) fails at every level.
    let p = Project::new().with("Dockerfile", "FROM a AS x\nFROM b AS x\n");
    p.lint(&["--fail-level", "error", "Dockerfile"]).code(1);
}

#[test]
fn usage_errors_exit_2() {
    let p = Project::new().with("Dockerfile", CLEAN);
    let run = p.lint(&["--bogus", "Dockerfile"]);
    run.code(2);
    assert!(run.stderr.contains("--bogus"), "{run}");
    assert_eq!(run.stdout, "");

    for (flag, value) in [
        ("--select", "RD999"),
        ("--extend-select", "nope"),
        ("--ignore", "RD1,RD9"),
    ] {
        let run = p.lint(&[flag, value, "Dockerfile"]);
        run.code(2);
        assert!(run.stderr.contains("unknown rule selector"), "{run}");
        assert!(run.stderr.contains(flag), "{run}");
        assert_eq!(run.stdout, "", "nothing is linted");
    }

    // An empty stage name, refused as `targets = [""]` in the configuration is.
    for value in ["", " "] {
        let run = p.lint(&["--target", value, "Dockerfile"]);
        run.code(2);
        assert!(run.stderr.contains("empty stage name"), "{run}");
        assert!(run.stderr.contains("--target"), "{run}");
        assert_eq!(run.stdout, "", "nothing is linted");
    }

    p.lint(&["--output-format", "xml"]).code(2);
    p.lint(&["--fail-level", "fatal"]).code(2);
    p.lint(&["--color", "sometimes"]).code(2);
    p.lint(&["--config", "x.toml", "--no-config"]).code(2);
    p.run(&[]).code(2);
    p.run(&["frobnicate"]).code(2);
}

#[test]
fn help_and_version_exit_0() {
    let p = Project::new();
    let run = p.run(&["--version"]);
    run.code(0);
    assert_eq!(run.stdout, format!("rdock {}\n", env!("CARGO_PKG_VERSION")));
    let run = p.run(&["lint", "--help"]);
    run.code(0);
    for flag in [
        "--output-format",
        "--fix",
        "--diff",
        "--target",
        "--stdin-filename",
    ] {
        assert!(run.stdout.contains(flag), "{flag}\n{run}");
    }
}

#[test]
fn missing_path_exits_2_and_lints_the_rest() {
    let p = Project::new().with("Dockerfile", UNREACHABLE);
    let run = p.concise(&["nope", "Dockerfile"]);
    run.code(2);
    assert!(run.stderr.contains("cannot read `nope`"), "{run}");
    // The report lists the error first, then the other file's findings.
    assert_eq!(
        run.codes(),
        ["error:", "RD108", "RD101"],
        "the other file is linted"
    );
    assert!(
        run.stdout.starts_with("nope: error: cannot read `nope`"),
        "{run}"
    );
}

#[cfg(unix)]
#[test]
fn dangling_symlink_exits_2() {
    let p = Project::new();
    std::os::unix::fs::symlink("missing", p.path("Dockerfile")).expect("symlink");
    let run = p.lint(&["Dockerfile"]);
    run.code(2);
    assert!(run.stderr.contains("cannot read `Dockerfile`"), "{run}");
}

#[cfg(unix)]
#[test]
fn unreadable_file_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new().with("Dockerfile", CLEAN);
    fs::set_permissions(p.path("Dockerfile"), fs::Permissions::from_mode(0o000)).expect("chmod");
    if fs::read(p.path("Dockerfile")).is_ok() {
        eprintln!("skipped: permissions do not stop this user (root?) from reading");
        return;
    }
    let run = p.lint(&["Dockerfile"]);
    run.code(2);
    assert!(run.stderr.contains("cannot read `Dockerfile`"), "{run}");
}

/// A run that could not read some of its inputs never ends with "No
/// problems found.": the summary says how many were not linted.
#[test]
fn the_summary_counts_inputs_that_could_not_be_linted() {
    let p = Project::new().with("clean/Dockerfile", "FROM alpine:3.19\nCMD [\"true\"]\n");
    p.write("bad/Dockerfile", b"FROM alpine\n\xff\n");
    let run = p.lint(&["clean", "bad", "missing"]);
    run.code(2);
    assert!(!run.stdout.contains("No problems found."), "{run}");
    assert!(
        run.stdout
            .contains("2 inputs could not be linted (see the errors)"),
        "{run}"
    );
    assert!(run.stderr.contains("cannot read `missing`"), "{run}");
}

#[test]
fn invalid_utf8_exits_2_and_lints_the_rest() {
    let p = Project::new().with("b/Dockerfile", AS_CASING);
    p.write("a/Dockerfile", b"FROM alpine\nRUN echo \xff\n");
    let run = p.concise(&["a", "b"]);
    run.code(2);
    assert!(
        run.stderr.contains(
            "cannot read `a/Dockerfile`: it is not valid UTF-8 (first bad byte at offset 21)"
        ),
        "{run}"
    );
    // The report has the error (a/) and the findings (b/).
    assert_eq!(run.paths(), ["a/Dockerfile", "b/Dockerfile"]);

    let run = p.lint_stdin(&["-"], b"FROM alpine\n\xc3\x28\n".to_vec());
    run.code(2);
    assert!(
        run.stderr
            .contains("cannot read `-`: it is not valid UTF-8"),
        "{run}"
    );
}

// ---------------------------------------------------------------------------
// Standard input.

#[test]
fn stdin_is_named_dash() {
    let p = Project::new();
    let run = p.lint_stdin(&["--output-format", "concise", "-q", "-"], UNREACHABLE);
    run.code(1);
    assert_eq!(run.paths(), ["-"]);
    assert_eq!(run.codes(), ["RD108", "RD101"]);
    assert!(run.stdout.starts_with("-:1:13: RD108 [*] "), "{run}");

    p.lint_stdin(&["-"], CLEAN).code(0);
}

#[test]
fn stdin_filename_names_the_input_and_finds_its_config() {
    let p = Project::new().with("sub/.rdock.toml", "ignore = [\"RD108\"]\n");
    let run = p.lint_stdin(
        &[
            "--output-format",
            "concise",
            "-q",
            "--stdin-filename",
            "x.Dockerfile",
            "-",
        ],
        UNREACHABLE,
    );
    run.code(1);
    assert_eq!(run.paths(), ["x.Dockerfile"]);
    assert_eq!(run.codes(), ["RD108", "RD101"]);

    // The configuration is looked up from the given name, not the working directory.
    let run = p.lint_stdin(
        &[
            "--output-format",
            "concise",
            "-q",
            "--stdin-filename",
            "sub/Dockerfile",
            "-",
        ],
        UNREACHABLE,
    );
    assert_eq!(run.paths(), ["sub/Dockerfile"]);
    assert_eq!(run.codes(), ["RD101"]);
}

#[test]
fn stdin_fix_writes_the_file_to_stdout_and_findings_to_stderr() {
    let p = Project::new();
    let run = p.lint_stdin(&["--fix", "--output-format", "concise", "-"], UNREACHABLE);
    run.code(1); // RD101 remains: its fix is unsafe.
    assert_eq!(
        run.stdout,
        UNREACHABLE.replace("alpine as build", "alpine AS build")
    );
    assert!(run.stderr.contains("-:4:1: RD101 "), "{run}");
    assert!(!run.stderr.contains("RD108"), "{run}");
    assert!(run.stderr.contains("Fixed 1 problem."), "{run}");

    // Everything fixed: exit 0, and stdout is still only the file.
    let run = p.lint_stdin(&["--fix", "--unsafe-fixes", "-q", "-"], UNREACHABLE);
    run.code(0);
    assert_eq!(
        run.stdout,
        "FROM alpine AS build\nRUN echo build\n\nFROM alpine\nCOPY --from=build /x /x\n"
    );

    // Nothing to fix: the input comes back unchanged.
    let run = p.lint_stdin(&["--fix", "-"], TYPO);
    run.code(1);
    assert_eq!(run.stdout, TYPO);
    assert!(run.stderr.contains("RD102"), "{run}");
}

/// An editor pipes its buffer through `rdock lint --fix -`: when rdock
/// cannot lint it (a broken configuration, bytes that are not UTF-8), the
/// buffer comes back unchanged, byte for byte, and the error is on stderr.
#[test]
fn fix_stdin_gives_the_input_back_when_it_cannot_be_linted() {
    let p = Project::new();
    p.write(".rdock.toml", "fail-level = \"fatal\"\n");
    let run = p.lint_stdin(&["--fix", "-"], UNREACHABLE);
    run.code(2);
    assert_eq!(run.stdout, UNREACHABLE);
    assert!(run.stderr.contains("unknown severity `fatal`"), "{run}");

    let bytes = b"FROM alpine as build\nRUN echo \xff\n".to_vec();
    let out = cargo_bin_cmd!("rdock")
        .current_dir(p.path("."))
        .args(["lint", "--no-config", "--fix", "-"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, bytes);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// Walking directories.

#[test]
fn walking_finds_dockerfiles_by_name_only() {
    let mut p = Project::new();
    let linted = [
        ".devcontainer/Dockerfile",
        "Containerfile",
        "Containerfile.prod",
        "Dockerfile",
        "Dockerfile-old",
        "Dockerfile.dev",
        "Dockerfile_test_run",
        "app.Dockerfile",
        "conf.d/x.dockerfile",
        "dockerfile",
        "web/Dockerfile",
    ];
    let skipped = [
        "Dockerfiles",
        "README.md",
        "Makefile",
        "docker-compose.yml",
        "dockerfile-lint.yml",
        "x.dockerfile.bak",
        "Containerfiles",
        "my-Dockerfile",
        "Dockerfile.d/notes.txt",
    ];
    for f in linted.iter().chain(&skipped) {
        p = p.with(f, AS_CASING);
    }
    // `Dockerfile-*` is taken only when it starts like a Dockerfile.
    p = p.with("dockerfile-lint", "#!/bin/sh\nhadolint Dockerfile\n");
    let run = p.concise(&[]);
    run.code(1);
    assert_eq!(run.paths(), linted);
    // `.` is the same walk.
    assert_eq!(p.concise(&["."]).stdout, run.stdout);
}

#[test]
fn explicit_files_are_linted_whatever_their_name() {
    let p = Project::new().with("build.txt", AS_CASING);
    let run = p.concise(&["build.txt"]);
    run.code(1);
    assert_eq!(run.paths(), ["build.txt"]);
}

#[test]
fn walking_honours_gitignore_without_a_git_repository() {
    let p = Project::new()
        .with(
            ".gitignore",
            "ignored/\n*.generated.Dockerfile\n!keep.generated.Dockerfile\n",
        )
        .with("Dockerfile", AS_CASING)
        .with("ignored/Dockerfile", AS_CASING)
        .with("a.generated.Dockerfile", AS_CASING)
        .with("keep.generated.Dockerfile", AS_CASING)
        .with("sub/.gitignore", "local/\n")
        .with("sub/Dockerfile", AS_CASING)
        .with("sub/local/Dockerfile", AS_CASING)
        .with("other/local/Dockerfile", AS_CASING);
    assert!(!p.path(".git").exists());
    let expected = [
        "Dockerfile",
        "keep.generated.Dockerfile",
        "other/local/Dockerfile",
        "sub/Dockerfile",
    ];
    assert_eq!(p.concise(&[]).paths(), expected);
    // Walking a subdirectory still honours the .gitignore above it.
    p.write("sub/b.generated.Dockerfile", AS_CASING);
    assert_eq!(p.concise(&["sub"]).paths(), ["sub/Dockerfile"]);
    // A path named on the command line is linted even when ignored, like a
    // file: `ignored/` matches the directory, which the walk starts from.
    assert_eq!(
        p.concise(&["ignored/Dockerfile"]).paths(),
        ["ignored/Dockerfile"]
    );
    assert_eq!(p.concise(&["ignored"]).paths(), ["ignored/Dockerfile"]);
}

#[test]
fn walking_skips_the_git_directory() {
    let p = Project::new()
        .with(".git/HEAD", "ref: refs/heads/main\n")
        .with(".git/Dockerfile", AS_CASING)
        .with("Dockerfile", AS_CASING);
    assert_eq!(p.concise(&[]).paths(), ["Dockerfile"]);
}

#[test]
fn output_is_sorted_by_path() {
    let mut p = Project::new();
    // Written out of order, across enough directories for the parallel walk to interleave.
    let mut expected = Vec::new();
    for i in (0..12).rev() {
        let f = format!("d{i:02}/Dockerfile");
        p = p.with(&f, AS_CASING);
        expected.push(f);
    }
    for f in [
        "z.Dockerfile",
        "Dockerfile",
        "a/b/Dockerfile",
        "a/Dockerfile",
    ] {
        p = p.with(f, AS_CASING);
        expected.push(f.to_string());
    }
    expected.sort();
    assert_eq!(
        expected[..3],
        ["Dockerfile", "a/Dockerfile", "a/b/Dockerfile"]
    );
    let run = p.concise(&[]);
    assert_eq!(run.paths(), expected);
    // Paths given in any order, and the same file twice (`./` or not), come out sorted, once.
    let run = p.concise(&[
        "z.Dockerfile",
        "./d03",
        "d01",
        "Dockerfile",
        "./Dockerfile",
        ".",
    ]);
    assert_eq!(run.paths(), expected);
    let run = p.concise(&["./z.Dockerfile", "d05", "./d01"]);
    assert_eq!(
        run.paths(),
        ["d01/Dockerfile", "d05/Dockerfile", "z.Dockerfile"]
    );
}

// ---------------------------------------------------------------------------
// Output formats, over one fixed project.

fn formats_project() -> Project {
    Project::new()
        .with(
            "Dockerfile",
            "\
FROM golang:1.22 as Build
RUN go build -o /app .

FROM alpine:3.19 AS unused
RUN echo unused

FROM alpine:3.19
COPY --from=Build /app /app
COPY --from=buld /app /app2
",
        )
        .with(
            "services/api.Dockerfile",
            "\
FROM node:20 AS scratch
RUN npm ci

FROM node:20 AS web
RUN npm run build

FROM node:20 AS Web
COPY --from=web /srv /srv
",
        )
        .with("clean/Containerfile", CLEAN)
        .with("README.md", "# not a Dockerfile\n")
}

fn lint_formats_project(format: &str) -> Run {
    let p = formats_project();
    let run = p.lint(&["--output-format", format, "--color", "never", "."]);
    run.code(1);
    assert_eq!(run.stderr, "", "{run}");
    assert!(!run.stdout.contains('\u{1b}'), "{run}");
    run
}

#[test]
fn format_full() {
    insta::assert_snapshot!(lint_formats_project("full").stdout);
}

#[test]
fn format_concise() {
    insta::assert_snapshot!(lint_formats_project("concise").stdout);
}

#[test]
fn format_json() {
    let run = lint_formats_project("json");
    let findings = run.json();
    assert_eq!(findings.as_array().map(Vec::len), Some(8));
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn format_github() {
    insta::assert_snapshot!(lint_formats_project("github").stdout);
}

#[test]
fn format_gitlab() {
    let run = lint_formats_project("gitlab");
    let issues = run.json();
    let issues = issues.as_array().expect("an array");
    assert_eq!(issues.len(), 8);
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 8, "fingerprints are unique");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn format_checkstyle() {
    insta::assert_snapshot!(lint_formats_project("checkstyle").stdout);
}

#[test]
fn format_sarif() {
    let run = lint_formats_project("sarif");
    let mut sarif = run.json();

    // What GitHub code scanning requires.
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "rdock");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    for r in rules {
        assert!(
            r["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{r}"
        );
    }
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 8);
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        assert!(rule_ids.contains(&id), "{id} is described in rules");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rule_ids[index], id);
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let location = &r["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            ["Dockerfile", "services/api.Dockerfile"].contains(&uri),
            "{uri}"
        );
        assert!(location["region"]["startLine"]
            .as_u64()
            .is_some_and(|l| l >= 1));
    }

    // The snapshot leaves out the rules' documentation, which has its own tests.
    let driver = &mut sarif["runs"][0]["tool"]["driver"];
    driver["version"] = "[version]".into();
    for rule in driver["rules"].as_array_mut().expect("rules") {
        *rule = serde_json::json!({
            "id": rule["id"],
            "shortDescription": rule["shortDescription"],
        });
    }
    insta::assert_json_snapshot!(sarif);
}

#[test]
fn sarif_uris_are_encoded() {
    let p = Project::new().with("my app/Dockerfile", AS_CASING);
    let run = p.lint(&["--output-format", "sarif", "my app"]);
    let sarif = run.json();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "my%20app/Dockerfile"
    );
}

#[test]
fn machine_formats_on_a_clean_project() {
    let p = Project::new().with("Dockerfile", CLEAN);
    let expect = [
        ("full", "No problems found.\n"),
        ("concise", "No problems found.\n"),
        ("json", "[]\n"),
        ("github", ""),
        ("gitlab", "[]\n"),
    ];
    for (format, out) in expect {
        let run = p.lint(&["--output-format", format]);
        run.code(0);
        assert_eq!(run.stdout, out, "{format}");
    }
    let run = p.lint(&["--output-format", "sarif"]);
    run.code(0);
    assert_eq!(run.json()["runs"][0]["results"], serde_json::json!([]));
    let run = p.lint(&["--output-format", "checkstyle"]);
    run.code(0);
    assert!(run.stdout.contains("<checkstyle"), "{run}");
    assert!(!run.stdout.contains("<error"), "{run}");
}

#[test]
fn output_format_from_the_environment() {
    let p = Project::new().with("Dockerfile", AS_CASING);
    let run = Run::of(p.cmd(&["lint"]).env("RDOCK_OUTPUT_FORMAT", "github"));
    run.code(1);
    assert!(
        run.stdout.starts_with("::warning file=Dockerfile,"),
        "{run}"
    );
    // The flag wins.
    let run = Run::of(
        p.cmd(&["lint", "--output-format", "json"])
            .env("RDOCK_OUTPUT_FORMAT", "github"),
    );
    run.json();
}

// ---------------------------------------------------------------------------
// Colour.

#[test]
fn color_always_and_never() {
    let p = Project::new().with("Dockerfile", UNREACHABLE);
    for format in ["full", "concise"] {
        let always = p.lint(&["--output-format", format, "--color", "always"]);
        assert!(always.stdout.contains("\u{1b}["), "{format}\n{always}");
        let never = p.lint(&["--output-format", format, "--color", "never"]);
        assert!(!never.stdout.contains('\u{1b}'), "{format}\n{never}");
    }
    // Machine formats never have colour.
    for format in ["json", "sarif", "github", "gitlab", "checkstyle"] {
        let run = p.lint(&["--output-format", format, "--color", "always"]);
        assert!(!run.stdout.contains('\u{1b}'), "{format}\n{run}");
    }
}

#[test]
fn color_auto_is_off_when_not_a_terminal_and_with_no_color() {
    let p = Project::new().with("Dockerfile", UNREACHABLE);
    let run = p.lint(&["--color", "auto"]);
    assert!(!run.stdout.contains('\u{1b}'), "{run}");
    let run = Run::of(p.cmd(&["lint"]).env("NO_COLOR", "1"));
    assert!(!run.stdout.contains('\u{1b}'), "{run}");
    assert!(!run.stderr.contains('\u{1b}'), "{run}");
}

// ---------------------------------------------------------------------------
// Configuration.

#[test]
fn config_is_discovered_walking_up() {
    let p = Project::new()
        .with(".rdock.toml", "ignore = [\"RD108\"]\n")
        .with("a/b/Dockerfile", UNREACHABLE);
    assert_eq!(p.concise(&["a"]).codes(), ["RD101"]);
    // Also from inside the tree.
    let run = Run::of(
        p.cmd(&["lint", "--output-format", "concise", "-q", "Dockerfile"])
            .current_dir(p.path("a/b")),
    );
    assert_eq!(run.codes(), ["RD101"]);
}

#[test]
fn nearer_config_wins() {
    let p = Project::new()
        .with(".rdock.toml", "ignore = [\"RD108\"]\n")
        .with("a/rdock.toml", "ignore = [\"RD101\"]\n")
        .with("Dockerfile", UNREACHABLE)
        .with("a/b/Dockerfile", UNREACHABLE);
    let run = p.concise(&[]);
    assert_eq!(
        run.stdout
            .lines()
            .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        ["Dockerfile:4:1: RD101", "a/b/Dockerfile:1:13: RD108"],
        "{run}"
    );
}

#[test]
fn config_flag_replaces_discovery() {
    let p = Project::new()
        .with(".rdock.toml", "ignore = [\"RD108\"]\n")
        .with("ci/rdock.toml", "ignore = [\"RD101\"]\n")
        .with("a/Dockerfile", UNREACHABLE);
    assert_eq!(p.concise(&["a"]).codes(), ["RD101"]);
    assert_eq!(
        p.concise(&["--config", "ci/rdock.toml", "a"]).codes(),
        ["RD108"]
    );
    assert_eq!(p.concise(&["--no-config", "a"]).codes(), ["RD108", "RD101"]);
}

#[test]
fn config_select_ignore_severity_fail_level() {
    let p = Project::new().with("Dockerfile", UNREACHABLE);
    let codes_with = |config: &str| {
        p.write(".rdock.toml", config);
        p.concise(&[]).codes().join(" ")
    };
    assert_eq!(codes_with(""), "RD108 RD101");
    assert_eq!(codes_with("select = [\"RD108\"]\n"), "RD108");
    assert_eq!(codes_with("select = [\"unreachable-stage\"]\n"), "RD101");
    assert_eq!(codes_with("ignore = [\"RD1\"]\n"), "");
    assert_eq!(
        codes_with("select = [\"RD108\"]\nextend-select = [\"RD101\"]\n"),
        "RD108 RD101"
    );
    // The command line wins over the file.
    p.write(".rdock.toml", "select = [\"RD108\"]\n");
    assert_eq!(p.concise(&["--select", "RD101"]).codes(), ["RD101"]);
    assert_eq!(
        p.concise(&["--ignore", "RD108"]).codes(),
        Vec::<&str>::new()
    );

    // fail-level: warnings pass at "error"...
    p.write(".rdock.toml", "fail-level = \"error\"\n");
    p.lint(&[]).code(0);
    // ...unless the command line says otherwise...
    p.lint(&["--fail-level", "warning"]).code(1);
    // ...or [severity] makes one of them an error.
    p.write(
        ".rdock.toml",
        "fail-level = \"error\"\n[severity]\nRD108 = \"error\"\n",
    );
    let run = p.lint(&["--output-format", "json"]);
    run.code(1);
    let severities: Vec<(String, String)> = run
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|d| (d["code"].to_string(), d["severity"].to_string()))
        .collect();
    assert_eq!(
        severities,
        [
            ("\"RD108\"".into(), "\"error\"".into()),
            ("\"RD101\"".into(), "\"warning\"".into())
        ]
    );
}

#[test]
fn config_allowed_registries() {
    let dockerfile = "\
FROM ghcr.io/org/base:1.0 AS base
FROM quay.io/org/tool:2.0 AS tool
FROM alpine:3.19
COPY --from=base /x /x
COPY --from=tool /y /y
";
    let p = Project::new().with("Dockerfile", dockerfile);
    // Without the `--ignore RD4` that `Project::lint` adds.
    let lint = || {
        Run::of(p.cmd(&[]).args([
            "lint",
            "--output-format",
            "concise",
            "--quiet",
            "--select",
            "RD444",
        ]))
    };
    // Without `allowed-registries` every registry is allowed.
    lint().code(0);
    p.write(
        ".rdock.toml",
        "allowed-registries = [\"docker.io\", \"*.io\"]\n",
    );
    lint().code(0);
    p.write(
        ".rdock.toml",
        "allowed-registries = [\"docker.io\", \"ghcr.io\"]\n",
    );
    let run = lint();
    run.code(1);
    assert_eq!(run.codes(), ["RD444"], "{run}");
    assert!(run.stdout.starts_with("Dockerfile:2:6: RD444 "), "{run}");
    assert!(run.stdout.contains("registry `quay.io`"), "{run}");
    // A bad entry is a configuration error.
    p.write(".rdock.toml", "allowed-registries = [\"ghcr.io/org\"]\n");
    let run = lint();
    run.code(2);
    assert!(
        run.stderr
            .contains("invalid registry `ghcr.io/org` in `allowed-registries`"),
        "{run}"
    );
    // `--allowed-registry` adds to the file's list (hadolint's `--trusted-registry`).
    p.write(".rdock.toml", "allowed-registries = [\"docker.io\"]\n");
    let run = lint();
    assert_eq!(run.codes(), ["RD444", "RD444"], "{run}");
    let run = Run::of(p.cmd(&[]).args([
        "lint",
        "--output-format=concise",
        "--quiet",
        "--select=RD444",
        "--allowed-registry=ghcr.io",
        "--allowed-registry=quay.io",
    ]));
    run.code(0);
    let run =
        Run::of(
            p.cmd(&[])
                .args(["lint", "--select=RD444", "--allowed-registry=quay.io/org"]),
        );
    run.code(2);
    assert!(
        run.stderr
            .contains("invalid registry `quay.io/org` in --allowed-registry: it has a `/`"),
        "{run}"
    );
}

#[test]
fn config_targets() {
    let dockerfile = "\
FROM alpine AS build
RUN echo build

FROM alpine AS test
COPY --from=build /x /x

FROM alpine AS release
COPY --from=build /x /x
";
    let p = Project::new().with("Dockerfile", dockerfile);
    assert_eq!(p.concise(&[]).stdout.lines().count(), 1);
    assert!(p
        .concise(&[])
        .stdout
        .contains("stage `test` is not reached"));

    p.write(".rdock.toml", "targets = [\"test\", \"release\"]\n");
    p.lint(&[]).code(0);
    // Targets the file lacks are not reported (RD109 is for --target only).
    p.write(
        ".rdock.toml",
        "targets = [\"test\", \"release\", \"docs\"]\n",
    );
    p.lint(&[]).code(0);
    // Only `test`: `release` is now unreachable.
    p.write(".rdock.toml", "targets = [\"test\"]\n");
    let run = p.concise(&[]);
    assert!(
        run.stdout
            .contains("stage `release` is not reached by target `test`"),
        "{run}"
    );
    // --target wins over the file.
    let run = p.concise(&["--target", "release"]);
    assert!(
        run.stdout
            .contains("stage `test` is not reached by target `release`"),
        "{run}"
    );
}

#[test]
fn config_build_args() {
    let p = Project::new().with("Dockerfile", BUILD_ARG_SRC);
    // Without a value for SRC, `--from=${SRC}` could name either stage.
    assert!(unreachable_stages(&p.concise(&[])).is_empty());
    p.write(".rdock.toml", "[build-args]\nSRC = \"tester\"\n");
    assert_eq!(unreachable_stages(&p.concise(&[])), ["builder"]);
    // --build-arg wins over the file.
    assert_eq!(
        unreachable_stages(&p.concise(&["--build-arg", "SRC=builder"])),
        ["tester"]
    );
}

#[test]
fn bad_config_exits_2_with_its_location() {
    let p = Project::new()
        .with(
            ".rdock.toml",
            "select = [\"RD101\"]\nignore = [\"RD999\"]\n",
        )
        .with("Dockerfile", UNREACHABLE)
        .with("a/Dockerfile", UNREACHABLE)
        .with("b/Dockerfile", UNREACHABLE);
    let run = p.lint(&[]);
    run.code(2);
    assert!(
        run.stderr
            .contains(".rdock.toml:2:11: unknown rule selector `RD999` in `ignore`"),
        "{run}"
    );
    // Shown once, not once per Dockerfile.
    assert_eq!(
        run.stderr.matches("unknown rule selector").count(),
        1,
        "{run}"
    );

    for (config, location) in [
        (
            "fail_level = \"error\"\n",
            ".rdock.toml:1:1: unknown key `fail_level`",
        ),
        ("targets = [1]\n", ".rdock.toml:1:"),
        ("select = [\"RD101\"\n", ".rdock.toml:"),
        (
            "\n\nfail-level = \"fatal\"\n",
            ".rdock.toml:3:14: unknown severity `fatal`",
        ),
    ] {
        p.write(".rdock.toml", config);
        let run = p.lint(&["Dockerfile"]);
        run.code(2);
        assert!(run.stderr.contains(location), "{config}\n{run}");
    }

    // A bad file given with --config, even with nothing to lint.
    p.write("ci.toml", "[severity]\nRD101 = \"loud\"\n");
    let run = p.lint(&["--config", "ci.toml", "a"]);
    run.code(2);
    assert!(
        run.stderr.contains("ci.toml:2:9: unknown severity `loud`"),
        "{run}"
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn missing_config_file_exits_2() {
    let p = Project::new().with("Dockerfile", CLEAN);
    let run = p.lint(&["--config", "nope.toml"]);
    run.code(2);
    assert!(
        run.stderr.contains("nope.toml: cannot read configuration"),
        "{run}"
    );
    // The cause is shown once.
    assert_eq!(
        run.stderr.matches("No such file or directory").count(),
        1,
        "{run}"
    );
}

// ---------------------------------------------------------------------------
// Suppression comments.

/// Three stages; `unused` is unreachable (RD101).
fn with_comment_above_unused(comment: &str) -> String {
    format!(
        "FROM alpine AS build\nRUN echo build\n\n{comment}\nFROM alpine AS unused\nRUN echo unused\n\nFROM alpine\nCOPY --from=build /x /x\n"
    )
}

#[test]
fn rdock_ignore_above_an_instruction() {
    let p = Project::new();
    let codes = |text: String| {
        p.write("Dockerfile", text);
        p.concise(&[]).codes().join(" ")
    };
    assert_eq!(
        codes(with_comment_above_unused("# just a comment")),
        "RD101"
    );
    assert_eq!(codes(with_comment_above_unused("# rdock ignore=RD101")), "");
    assert_eq!(
        codes(with_comment_above_unused(
            "# rdock ignore=unreachable-stage"
        )),
        ""
    );
    assert_eq!(
        codes(with_comment_above_unused("# rdock ignore=RD1 because")),
        ""
    );
    assert_eq!(
        codes(with_comment_above_unused(
            "# rdock ignore=RD108,RD102,RD101"
        )),
        ""
    );
    // Unrelated codes do not suppress.
    assert_eq!(
        codes(with_comment_above_unused("# rdock ignore=RD108")),
        "RD101"
    );
    assert_eq!(
        codes(with_comment_above_unused("# rdock ignore=RD2")),
        "RD101"
    );
    // A blank line detaches the comment.
    assert_eq!(
        codes(with_comment_above_unused("# rdock ignore=RD101\n")),
        "RD101"
    );
    // It applies to that instruction only.
    let text = "FROM alpine AS a\n\n# rdock ignore=RD101\nFROM alpine AS b\n\nFROM alpine\n";
    p.write("Dockerfile", text);
    assert!(p
        .concise(&[])
        .stdout
        .starts_with("Dockerfile:1:1: RD101 stage `a`"));
    assert_eq!(p.concise(&[]).codes(), ["RD101"]);
}

#[test]
fn rdock_global_ignore() {
    let p = Project::new();
    let text = "FROM alpine AS a\nFROM alpine AS b\nFROM alpine as c\n";
    p.write("Dockerfile", text);
    assert_eq!(p.concise(&[]).codes(), ["RD101", "RD101", "RD108"]);
    p.write("Dockerfile", format!("# rdock global ignore=RD101\n{text}"));
    assert_eq!(p.concise(&[]).codes(), ["RD108"]);
    // Anywhere in the file.
    p.write(
        "Dockerfile",
        format!("{text}\n# rdock global ignore=from-as-casing\n"),
    );
    assert_eq!(p.concise(&[]).codes(), ["RD101", "RD101"]);
    p.write("Dockerfile", format!("# rdock global ignore=RD102\n{text}"));
    assert_eq!(p.concise(&[]).codes(), ["RD101", "RD101", "RD108"]);
}

#[test]
fn hadolint_ignore_for_mapped_rules() {
    let p = Project::new();
    let typo = |comment: &str| {
        p.write(
            "Dockerfile",
            format!("FROM alpine AS builder\nFROM alpine\n{comment}\nCOPY --from=bulder /x /x\n"),
        );
        p.concise(&[]).codes().join(" ")
    };
    assert_eq!(typo("# nothing"), "RD101 RD102");
    // RD102 (unknown-stage-reference) is hadolint's DL3022.
    assert_eq!(typo("# hadolint ignore=DL3022"), "RD101");
    assert_eq!(typo("# hadolint ignore=DL3008,DL3022"), "RD101");
    assert_eq!(typo("# hadolint ignore=DL3008"), "RD101 RD102");
    // hadolint comments speak hadolint codes only.
    assert_eq!(typo("# hadolint ignore=RD102"), "RD101 RD102");
    p.write(
        "Dockerfile",
        "# hadolint global ignore=DL3022\nFROM alpine\nCOPY --from=bulder /x /x\n",
    );
    p.lint(&[]).code(0);
}

#[test]
fn check_skip_directive_for_buildkit_rules() {
    let p = Project::new();
    let body = "FROM alpine as Build\nFROM alpine\nCOPY --from=Build /x /x\n";
    let codes = |head: &str| {
        p.write("Dockerfile", format!("{head}{body}"));
        p.concise(&[]).codes().join(" ")
    };
    assert_eq!(codes(""), "RD108 RD107");
    assert_eq!(codes("# check=skip=FromAsCasing\n"), "RD107");
    assert_eq!(codes("# check=skip=FromAsCasing,StageNameCasing\n"), "");
    assert_eq!(codes("# check=skip=all\n"), "");
    assert_eq!(
        codes("# syntax=docker/dockerfile:1\n# check=skip=FromAsCasing\n"),
        "RD107"
    );
    // Unrelated checks do not suppress.
    assert_eq!(codes("# check=skip=NoEmptyContinuation\n"), "RD108 RD107");
    // Only as a directive at the top: after an instruction it is a comment.
    p.write(
        "Dockerfile",
        format!("FROM alpine as x\n# check=skip=FromAsCasing\n{body}"),
    );
    assert!(p.concise(&[]).codes().contains(&"RD108"));
}

#[test]
fn check_error_directive_makes_findings_errors() {
    let p = Project::new().with(
        "Dockerfile",
        "# check=error=true\nFROM alpine as build\nFROM alpine\nCOPY --from=build /x /x\n",
    );
    let run = p.lint(&["--output-format", "json", "--fail-level", "error"]);
    run.code(1);
    assert_eq!(run.json()[0]["severity"], "error");
}

// ---------------------------------------------------------------------------
// Targets and build arguments.

/// `tester` is unreachable unless SRC names it.
const BUILD_ARG_SRC: &str = "\
ARG SRC=builder
FROM alpine AS builder
RUN echo build

FROM alpine AS tester
RUN echo test

FROM alpine
ARG SRC
COPY --from=${SRC} /x /x
";

/// The stages RD101 reports, from concise output.
fn unreachable_stages(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|l| l.contains(" RD101 "))
        .filter_map(|l| l.split('`').nth(1).map(str::to_string))
        .collect()
}

#[test]
fn target_changes_which_stages_are_unreachable() {
    let p = Project::new().with(
        "Dockerfile",
        "\
FROM alpine AS build
RUN echo build

FROM alpine AS test
COPY --from=build /x /x

FROM alpine AS docs
RUN echo docs

FROM alpine AS release
COPY --from=build /x /x
",
    );
    assert_eq!(unreachable_stages(&p.concise(&[])), ["test", "docs"]);
    assert_eq!(
        unreachable_stages(&p.concise(&["--target", "test"])),
        ["docs", "release"]
    );
    assert_eq!(
        unreachable_stages(&p.concise(&["--target", "docs"])),
        ["build", "test", "release"]
    );
    // Repeatable: a stage is unreachable only if no target reaches it.
    assert_eq!(
        unreachable_stages(&p.concise(&["--target", "test", "--target", "release"])),
        ["docs"]
    );
    p.lint(&[
        "--target", "test", "--target", "docs", "--target", "release",
    ])
    .code(0);
}

#[test]
fn unknown_target_is_rd109() {
    let p = Project::new().with("Dockerfile", "FROM alpine AS build\nFROM alpine\n");
    let run = p.concise(&["--target", "tset"]);
    run.code(1);
    assert_eq!(run.codes(), ["RD109"]);
    assert!(
        run.stdout
            .contains("target stage `tset` could not be found"),
        "{run}"
    );
    let run = p.lint(&["--target", "tset", "--output-format", "json"]);
    assert_eq!(run.json()[0]["severity"], "error");
    // Targets compare without regard to case, as in BuildKit.
    let run = p.concise(&["--target", "BUILD"]);
    assert!(!run.codes().contains(&"RD109"), "{run}");
}

#[test]
fn build_arg_resolves_a_stage_name() {
    let p = Project::new().with("Dockerfile", BUILD_ARG_SRC);
    // Without a value for SRC, `--from=${SRC}` could name either stage.
    assert!(unreachable_stages(&p.concise(&[])).is_empty());
    assert_eq!(
        unreachable_stages(&p.concise(&["--build-arg", "SRC=tester"])),
        ["builder"]
    );
    // `--build-arg KEY` takes the value from the environment, like docker.
    let run = Run::of(
        p.cmd(&[
            "lint",
            "--output-format",
            "concise",
            "-q",
            "--build-arg",
            "SRC",
        ])
        .env("SRC", "tester"),
    );
    assert_eq!(unreachable_stages(&run), ["builder"]);
}

#[test]
fn build_arg_in_from() {
    let p = Project::new().with(
        "Dockerfile",
        "ARG BASE=build\nFROM alpine AS build\nFROM alpine AS other\nFROM ${BASE}\nRUN true\n",
    );
    // A `--build-arg BASE=...` could name any stage.
    assert!(unreachable_stages(&p.concise(&[])).is_empty());
    assert_eq!(
        unreachable_stages(&p.concise(&["--build-arg", "BASE=other"])),
        ["build"]
    );
}

// ---------------------------------------------------------------------------
// Fixes.

/// Safe fixes: RD108 twice and RD107 (renaming `Build` everywhere). Unsafe:
/// RD101 deleting `unused` with the comment above it.
const FIXABLE: &str = "\
FROM alpine as Build
RUN echo build

# the unused stage
FROM alpine as unused
RUN echo unused

FROM alpine
COPY --from=Build /x /x
";

const FIXABLE_SAFE: &str = "\
FROM alpine AS build
RUN echo build

# the unused stage
FROM alpine AS unused
RUN echo unused

FROM alpine
COPY --from=build /x /x
";

// Deleting the unused stage keeps its comment: no fix deletes a comment.
const FIXABLE_ALL: &str = "\
FROM alpine AS build
RUN echo build

# the unused stage
FROM alpine
COPY --from=build /x /x
";

#[test]
fn fix_applies_safe_fixes_only() {
    let p = Project::new().with("Dockerfile", FIXABLE);
    let run = p.lint(&["--fix", "--output-format", "concise"]);
    run.code(1); // RD101 remains.
    assert_eq!(p.read("Dockerfile"), FIXABLE_SAFE);
    assert!(run.stdout.starts_with("Dockerfile:5:1: RD101 "), "{run}");
    assert!(run.stdout.contains("Found 1 problem (1 warning)."), "{run}");
    assert!(run.stderr.contains("Fixed 3 problems."), "{run}");
    // Again: nothing more to do.
    let run = p.lint(&["--fix"]);
    run.code(1);
    assert!(!run.stderr.contains("Fixed"), "{run}");
    assert_eq!(p.read("Dockerfile"), FIXABLE_SAFE);
}

#[test]
fn fix_with_unsafe_fixes() {
    let p = Project::new().with("Dockerfile", FIXABLE);
    let run = p.lint(&["--fix", "--unsafe-fixes"]);
    run.code(0);
    assert_eq!(run.stdout, "No problems found.\n");
    assert_eq!(p.read("Dockerfile"), FIXABLE_ALL);
}

#[test]
fn fix_loops_until_settled() {
    // Deleting `a` renumbers `--from=1` inside `b`, which overlaps deleting
    // `b`: `b` goes in a second pass.
    let p = Project::new().with(
        "Dockerfile",
        "\
FROM alpine AS a
RUN echo a

FROM alpine AS x
RUN echo x

FROM alpine AS b
COPY --from=1 /x /x

FROM alpine
COPY --from=x /x /x
",
    );
    let run = p.lint(&["--fix", "--unsafe-fixes"]);
    run.code(0);
    assert!(run.stderr.contains("Fixed 2 problems."), "{run}");
    assert_eq!(
        p.read("Dockerfile"),
        "FROM alpine AS x\nRUN echo x\n\nFROM alpine\nCOPY --from=x /x /x\n"
    );
}

#[test]
fn unsafe_fix_of_a_stage_with_an_index_reference() {
    let original = "\
FROM alpine AS b
COPY --from=1 /x /x

FROM alpine AS c
RUN echo c

FROM alpine
COPY --from=c /x /x
";
    let p = Project::new().with("Dockerfile", original);
    let run = p.lint(&["--fix", "--unsafe-fixes"]);
    // Regression: the fix renumbered the `--from=1` inside the stage it
    // deleted, its own edits overlapped and rdock panicked.
    run.code(0);
    assert_eq!(
        p.read("Dockerfile"),
        "FROM alpine AS c\nRUN echo c\n\nFROM alpine\nCOPY --from=c /x /x\n"
    );
    let _ = original;
}

#[test]
fn fix_leaves_files_without_fixes_untouched() {
    let p = Project::new()
        .with("clean/Dockerfile", CLEAN)
        .with("typo/Dockerfile", TYPO)
        .with("fixable/Dockerfile", AS_CASING);
    for f in ["clean/Dockerfile", "typo/Dockerfile", "fixable/Dockerfile"] {
        set_mtime(&p.path(f), long_ago());
    }
    p.lint(&["--fix"]).code(1); // RD102 in typo/ has no fix.
    assert_eq!(mtime(&p.path("clean/Dockerfile")), long_ago());
    assert_eq!(mtime(&p.path("typo/Dockerfile")), long_ago());
    assert_ne!(mtime(&p.path("fixable/Dockerfile")), long_ago());
    assert_eq!(p.read("fixable/Dockerfile"), "FROM alpine AS a\n");
    // Unsafe fixes that are not asked for do not write either.
    let p = Project::new().with("Dockerfile", "FROM alpine AS a\nFROM alpine\n");
    set_mtime(&p.path("Dockerfile"), long_ago());
    p.lint(&["--fix"]).code(1);
    assert_eq!(mtime(&p.path("Dockerfile")), long_ago());
}

#[test]
fn fix_leaves_no_temporary_files() {
    let p = Project::new()
        .with("Dockerfile", FIXABLE)
        .with("sub/app.Dockerfile", FIXABLE)
        .with("sub/clean.Dockerfile", CLEAN);
    let before = p.listing();
    p.lint(&["--fix", "--unsafe-fixes"]).code(0);
    assert_eq!(p.listing(), before);
    assert_eq!(p.read("sub/app.Dockerfile"), FIXABLE_ALL);
}

#[cfg(unix)]
#[test]
fn fix_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new().with("Dockerfile", FIXABLE);
    fs::set_permissions(p.path("Dockerfile"), fs::Permissions::from_mode(0o640)).expect("chmod");
    p.lint(&["--fix"]).code(1);
    assert_eq!(p.read("Dockerfile"), FIXABLE_SAFE);
    let mode = fs::metadata(p.path("Dockerfile"))
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o640);
}

#[cfg(unix)]
#[test]
fn fix_writes_through_a_symlink() {
    let p = Project::new().with("real/app.Dockerfile", FIXABLE);
    std::os::unix::fs::symlink("real/app.Dockerfile", p.path("Dockerfile")).expect("symlink");
    let run = p.lint(&["--fix", "--output-format", "concise", "Dockerfile"]);
    run.code(1);
    assert!(run.stdout.starts_with("Dockerfile:5:1: RD101 "), "{run}");
    let link = fs::symlink_metadata(p.path("Dockerfile")).expect("lstat");
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        fs::read_link(p.path("Dockerfile")).expect("readlink"),
        Path::new("real/app.Dockerfile")
    );
    assert_eq!(p.read("real/app.Dockerfile"), FIXABLE_SAFE);
    assert_eq!(p.listing(), ["Dockerfile", "real", "real/app.Dockerfile"]);
}

/// A walk does not write outside the folders given: a link named like a
/// Dockerfile that lands outside is linted, not fixed, and the run says
/// so; named on the command line, it is fixed.
#[cfg(unix)]
#[test]
fn fix_does_not_write_through_a_walked_link_to_outside() {
    let p = Project::new().with("outside/Dockerfile", FIXABLE);
    fs::create_dir(p.path("walk")).expect("mkdir");
    std::os::unix::fs::symlink("../outside/Dockerfile", p.path("walk/Dockerfile"))
        .expect("symlink");
    let run = p.lint(&["--fix", "--output-format", "concise", "walk"]);
    run.code(2);
    assert!(
        run.stderr
            .contains("`walk/Dockerfile` was not fixed: it is a link to")
            && run.stderr.contains("outside the folders given"),
        "{run}"
    );
    assert_eq!(p.read("outside/Dockerfile"), FIXABLE, "not written");
    // Its findings stay in the report.
    assert!(run.stdout.contains("walk/Dockerfile:5:1: RD101 "), "{run}");
    // A walk of a folder holding both the link and its target writes it.
    let run = p.lint(&["--fix", "--output-format", "concise", "."]);
    assert!(!run.stderr.contains("was not fixed"), "{run}");
    assert_eq!(p.read("outside/Dockerfile"), FIXABLE_SAFE);
}

/// The same file reached through two paths (a link and its target, walked
/// or named) is linted and fixed once, by the path that is not a link,
/// and the run says so.
#[cfg(unix)]
#[test]
fn a_file_reached_through_two_paths_is_fixed_once() {
    let p = Project::new().with("real.Dockerfile", FIXABLE);
    std::os::unix::fs::symlink("real.Dockerfile", p.path("link.Dockerfile")).expect("symlink");
    for args in [
        &["--fix", "--output-format", "concise", "."][..],
        &[
            "--fix",
            "--output-format",
            "concise",
            "link.Dockerfile",
            "real.Dockerfile",
        ][..],
    ] {
        p.write("real.Dockerfile", FIXABLE);
        let run = p.lint(args);
        run.code(1);
        assert!(
            run.stderr.contains(
                "note: `link.Dockerfile` is the same file as `real.Dockerfile` (a link); it is linted and fixed once"
            ),
            "{run}"
        );
        assert!(
            run.stdout.starts_with("real.Dockerfile:5:1: RD101 "),
            "{run}"
        );
        assert!(!run.stdout.contains("link.Dockerfile"), "{run}");
        assert_eq!(p.read("real.Dockerfile"), FIXABLE_SAFE);
        assert!(run.stderr.contains("Fixed 3 problems."), "{run}");
    }
}

#[test]
fn diff_prints_and_writes_nothing() {
    let p = Project::new().with("Dockerfile", FIXABLE);
    set_mtime(&p.path("Dockerfile"), long_ago());
    let run = p.lint(&["--diff"]);
    run.code(1);
    assert_eq!(
        run.stdout,
        "\
--- a/Dockerfile
+++ b/Dockerfile
@@ -1,9 +1,9 @@
-FROM alpine as Build
+FROM alpine AS build
 RUN echo build
 
 # the unused stage
-FROM alpine as unused
+FROM alpine AS unused
 RUN echo unused
 
 FROM alpine
-COPY --from=Build /x /x
+COPY --from=build /x /x
"
    );
    assert_eq!(run.stderr, "1 file would be changed.\n");
    assert_eq!(p.read("Dockerfile"), FIXABLE);
    assert_eq!(mtime(&p.path("Dockerfile")), long_ago());

    let run = p.lint(&["--diff", "--unsafe-fixes"]);
    run.code(1);
    assert!(run.stdout.contains("-FROM alpine as unused\n"), "{run}");
    assert!(!run.stdout.contains("-# the unused stage\n"), "{run}");
    assert_eq!(p.read("Dockerfile"), FIXABLE);

    // With --fix too, --diff still writes nothing.
    p.lint(&["--diff", "--fix"]).code(1);
    assert_eq!(p.read("Dockerfile"), FIXABLE);
    assert_eq!(mtime(&p.path("Dockerfile")), long_ago());
}

#[test]
fn diff_exits_0_when_there_is_nothing_to_fix() {
    // RD102 has no fix, and RD101's is unsafe.
    let p = Project::new()
        .with("Dockerfile", TYPO)
        .with("b/Dockerfile", "FROM alpine AS a\nFROM alpine\n");
    let run = p.lint(&["--diff"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "0 files would be changed.\n");
    p.lint(&["--diff", "--unsafe-fixes"]).code(1);
}

#[test]
fn diff_counts_files() {
    // A removed line that reads `-- a/...` is not a file header.
    let p = Project::new()
        .with(
            "Dockerfile",
            "FROM alpine AS unused\nRUN echo \\\n-- a/b\n\nFROM alpine\n",
        )
        .with("x/Dockerfile", AS_CASING)
        .with("y/Dockerfile", CLEAN);
    let run = p.lint(&["--diff", "--unsafe-fixes"]);
    run.code(1);
    assert_eq!(run.stdout.matches("+++ b/").count(), 2, "{run}");
    assert_eq!(run.stderr, "2 files would be changed.\n");
    // --quiet leaves out the count.
    assert_eq!(p.lint(&["--diff", "-q"]).stderr, "");
}

// ---------------------------------------------------------------------------
// --statistics and --quiet.

#[test]
fn statistics() {
    let p = Project::new()
        .with("Dockerfile", SEED_PARALLEL)
        .with("skip.Dockerfile", SEED_SKIP);
    let run = p.lint(&["--statistics"]);
    run.code(1);
    assert_eq!(
        run.stdout,
        "    7\tRD108\t[*] from-as-casing\n    2\tRD101\t    unreachable-stage\n    1\tRD107\t[*] stage-name-casing\n"
    );
    let p = Project::new().with("Dockerfile", CLEAN);
    let run = p.lint(&["--statistics"]);
    run.code(0);
    assert_eq!(run.stdout, "");
}

#[test]
fn quiet_leaves_out_the_summary() {
    let p = Project::new().with("Dockerfile", AS_CASING);
    let run = p.lint(&["--output-format", "concise", "--quiet"]);
    run.code(1);
    assert_eq!(
        run.stdout,
        "Dockerfile:1:13: RD108 [*] `as` does not match the case of `FROM`\n"
    );
    let run = p.lint(&["--color", "never", "-q"]);
    assert!(run.stdout.contains("RD108"), "{run}");
    assert!(!run.stdout.contains("Found 1 problem"), "{run}");
    assert!(p
        .lint(&["--color", "never"])
        .stdout
        .ends_with("Found 1 problem (1 warning). 1 fixable with --fix.\n"));
    // Clean and quiet: nothing at all.
    let p = Project::new().with("Dockerfile", CLEAN);
    let run = p.lint(&["-q"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    // --fix --quiet does not say what it fixed.
    let p = Project::new().with("Dockerfile", AS_CASING);
    let run = p.lint(&["--fix", "-q"]);
    run.code(0);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
}

// ---------------------------------------------------------------------------
// The other subcommands.

/// Every rule, from `rdock rules --output-format json`.
fn all_rules(p: &Project) -> Vec<(String, String)> {
    let run = p.run(&["rules", "--output-format", "json"]);
    run.code(0);
    run.json()
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["code"].as_str().expect("code").to_string(),
                r["slug"].as_str().expect("slug").to_string(),
            )
        })
        .collect()
}

#[test]
fn rules_lists_every_rule() {
    let p = Project::new();
    let rules = all_rules(&p);
    let codes: Vec<&str> = rules.iter().map(|(c, _)| c.as_str()).collect();
    for code in [
        "RD001", "RD002", "RD101", "RD102", "RD103", "RD104", "RD105", "RD106", "RD107", "RD108",
        "RD109",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let run = p.run(&["rules"]);
    run.code(0);
    for (code, slug) in &rules {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(code.as_str()))
            .unwrap_or_else(|| panic!("{code} listed\n{run}"));
        assert!(line.contains(slug.as_str()), "{line}");
    }
    assert!(run.stdout.contains("RD101 *  unreachable-stage "), "{run}");
}

#[test]
fn rule_prints_its_documentation() {
    let p = Project::new();
    for args in [
        ["rule", "RD101"],
        ["rule", "unreachable-stage"],
        ["rule", "rd101"],
    ] {
        let run = p.run(&args);
        run.code(0);
        assert!(
            run.stdout.starts_with("# unreachable-stage (RD101)\n"),
            "{run}"
        );
        assert!(run.stdout.contains("## What it does"), "{run}");
        assert!(run.stdout.contains("## Fix safety"), "{run}");
    }
    // Every listed rule has a page.
    for (code, slug) in all_rules(&p) {
        let run = p.run(&["rule", &code]);
        run.code(0);
        assert!(
            run.stdout.starts_with(&format!("# {slug} ({code})")),
            "{run}"
        );
    }
    let run = p.run(&["rule", "RD101", "--output-format", "json"]);
    run.code(0);
    let json = run.json();
    assert_eq!(json["code"], "RD101");
    assert_eq!(json["slug"], "unreachable-stage");
}

#[test]
fn unknown_rule_exits_2() {
    let p = Project::new();
    let run = p.run(&["rule", "nope"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("unknown rule `nope`"), "{run}");
    assert!(
        run.stderr.contains("RD101"),
        "the help lists the rules\n{run}"
    );
}

#[test]
fn completions() {
    let p = Project::new();
    let run = p.run(&["completions", "bash"]);
    run.code(0);
    assert!(run.stdout.contains("_rdock()"), "{run}");
    assert!(run.stdout.contains("complete -F _rdock"), "{run}");
    assert!(run.stdout.contains("--output-format"), "{run}");
    for shell in ["zsh", "fish"] {
        let run = p.run(&["completions", shell]);
        run.code(0);
        assert!(run.stdout.contains("rdock"), "{shell}");
    }
    p.run(&["completions", "tcsh"]).code(2);
}

// ---------------------------------------------------------------------------
// The build context's .dockerignore.

#[test]
fn dockerignore_beside_the_dockerfile_is_read() {
    let text = "FROM alpine\nCOPY secrets/ /app/\nCOPY src/ /app/\n";
    let p = Project::new()
        .with("a/Dockerfile", text)
        .with("a/.dockerignore", "secrets\n")
        .with("b/Dockerfile", text)
        .with("b/Dockerfile.dockerignore", "src\n")
        .with("b/.dockerignore", "secrets\n")
        .with("c/Dockerfile", text);
    let run = p.concise(&["--select", "RD208", "a/Dockerfile"]);
    run.code(1);
    assert!(
        run.stdout.contains("a/Dockerfile:2:6: RD208") && run.stdout.contains(".dockerignore"),
        "{}",
        run.stdout
    );
    // `Dockerfile.dockerignore` wins over `.dockerignore`, as in BuildKit.
    let run = p.concise(&["--select", "RD208", "b/Dockerfile"]);
    run.code(1);
    assert!(
        run.stdout.contains("b/Dockerfile:3:6: RD208")
            && !run.stdout.contains(":2:6:")
            && run.stdout.contains("Dockerfile.dockerignore"),
        "{}",
        run.stdout
    );
    p.concise(&["--select", "RD208", "c/Dockerfile"]).code(0);
}

#[test]
fn build_args_and_contexts_the_repository_passes() {
    // Bake passes BASE and the context `golang-base`; a Makefile passes
    // TOOLS_IMAGE. Their defaults and the word `golang-base` are then not
    // what the build uses, so RD407 and RD102 say nothing about them.
    let dockerfile = "ARG BASE=debian\nARG TOOLS_IMAGE=org/tools\nFROM $BASE AS base\nFROM $TOOLS_IMAGE AS tools\n\
                      FROM base\nCOPY --from=golang-base /usr/local/go /usr/local/go\n\
                      COPY --from=tools /bin/t /bin/t\nCOPY --from=set /out /\n";
    let bake = "target \"app\" {\n  dockerfile = \"Dockerfile\"\n  args = { BASE = \"debian:12\" }\n  contexts = {\n    golang-base = \"docker-image://golang:1.22\"\n  }\n}\n";
    let p = Project::new()
        .with("Dockerfile", dockerfile)
        .with("docker-bake.hcl", bake)
        .with(
            "Makefile",
            "image:\n\t$(DOCKER) buildx build --build-arg TOOLS_IMAGE=$(TOOLS) .\n",
        );
    fs::create_dir_all(p.path(".git")).expect("mkdir .git");
    // (Not `p.concise`, which leaves the RD4xx rules out.)
    let lint = || {
        Run::of(cargo_bin_cmd!("rdock").current_dir(p.dir.path()).args([
            "lint",
            "--output-format",
            "concise",
            "--quiet",
            "--select",
            "RD102,RD407",
            "Dockerfile",
        ]))
    };
    let run = lint();
    // Left: `set`, which no stage, context or official image is, in a file
    // whose builds rdock has read.
    assert_eq!(run.codes(), ["RD102"], "{}", run.stdout);
    assert!(
        run.stdout.contains("Dockerfile:8:13: RD102 `set`"),
        "{}",
        run.stdout
    );
    // Without the build files, the defaults are what the build uses, and
    // the words may be contexts a build rdock cannot see passes.
    fs::remove_file(p.path("docker-bake.hcl")).expect("rm");
    fs::remove_file(p.path("Makefile")).expect("rm");
    let run = lint();
    assert_eq!(run.codes(), ["RD407", "RD407"], "{}", run.stdout);
    assert!(run.stdout.contains("`debian` has no tag"), "{}", run.stdout);
    assert!(
        run.stdout.contains("`org/tools` has no tag"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
// Build targets the repository uses.

/// A copy of `tests/fixtures/targets/<name>` as a git repository of its own.
fn fixture_repo(name: &str) -> Project {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).expect("mkdir");
        for entry in fs::read_dir(from).expect("read_dir") {
            let path = entry.expect("entry").path();
            let dest = to.join(path.file_name().expect("name"));
            if path.is_dir() {
                copy(&path, &dest);
            } else {
                fs::copy(&path, &dest).expect("copy");
            }
        }
    }
    let p = Project::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/targets")
        .join(name);
    copy(&src, p.dir.path());
    fs::create_dir_all(p.path(".git")).expect("mkdir .git");
    p
}

#[test]
fn targets_lists_every_build_and_where() {
    let p = fixture_repo("monorepo");
    let out = cargo_bin_cmd!("rdock")
        .current_dir(p.dir.path())
        .args(["targets", "--output-format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let builds: Vec<String> = v["builds"]
        .as_array()
        .expect("builds")
        .iter()
        .map(|b| {
            format!(
                "{} {} {}",
                b["dockerfile"].as_str().unwrap_or(""),
                b["target"].as_str().unwrap_or("-"),
                b["origin"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        builds,
        [
            "services/api/Dockerfile lint .github/workflows/ci.yml:12",
            // `${{ matrix.target }}`, with the values the job's matrix lists.
            "services/api/Dockerfile test .github/workflows/ci.yml:21",
            "services/api/Dockerfile dev .github/workflows/ci.yml:21",
            "services/api/Dockerfile build .github/workflows/ci.yml:22",
            "services/api/Dockerfile dev compose.yaml:5",
            "services/api/Dockerfile - docker-bake.hcl:5",
            "services/api/Dockerfile - docker-bake.hcl:10",
            "services/api/Dockerfile test docker-bake.hcl:15",
            "services/api/Dockerfile generate scripts/generate.sh:4",
        ]
    );
}

#[test]
fn unreachable_stage_counts_the_repository_builds() {
    let p = fixture_repo("monorepo");
    let run = p.concise(&["--select", "RD101", "services/api/Dockerfile"]);
    run.code(1);
    // Only `docs` is built by nothing; `test`, `lint`, `dev`, `generate` are built on purpose.
    assert_eq!(run.stdout.matches(": RD101 ").count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("stage `docs` is not reached"),
        "{}",
        run.stdout
    );
    // The message stays one sentence; where each target comes from is in
    // the related information.
    let line = run.stdout.lines().next().unwrap_or("");
    assert!(line.len() < 200, "{line}");
    let json = p.lint(&[
        "--select",
        "RD101",
        "--output-format",
        "json",
        "services/api/Dockerfile",
    ]);
    let related: Vec<String> = json.json()[0]["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| r["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        related.contains(&"target `generate`: built by scripts/generate.sh:4".to_string()),
        "{related:?}"
    );
    // Without the build files, every stage but the chain to `release` is reported.
    for f in [
        "docker-bake.hcl",
        "compose.yaml",
        ".github/workflows/ci.yml",
        "scripts/generate.sh",
    ] {
        fs::remove_file(p.path(f)).expect("rm");
    }
    let run = p.concise(&["--select", "RD101", "services/api/Dockerfile"]);
    assert_eq!(run.stdout.matches(": RD101 ").count(), 5, "{}", run.stdout);
}

/// A Dockerfile whose `test` stage only a bake file at the top builds.
const NESTED: &str = "FROM alpine AS test\nRUN true\n\nFROM alpine\nRUN true\n";
const TOP_BAKE: &str = "target \"test\" {\n  context = \"svc\"\n  target = \"test\"\n}\n";

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=t@t", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// Without `.git` (an extracted tarball), the root is the top of what was
/// linted: a nested Dockerfile sees the bake target defined there.
#[test]
fn without_git_the_top_of_the_paths_given_is_the_root() {
    let p = Project::new()
        .with("docker-bake.hcl", TOP_BAKE)
        .with("svc/Dockerfile", NESTED);
    let run = p.concise(&["--select", "RD101", "."]);
    assert_eq!(run.stdout, "", "{run}");
    run.code(0);
    let targets = p.run(&["targets", "."]);
    assert!(
        targets
            .stdout
            .contains("svc/Dockerfile: test (docker-bake.hcl:1, bake)"),
        "{targets}"
    );
    assert!(
        targets.stdout.contains("(top of the paths given)"),
        "{targets}"
    );
    // Linting the nested folder alone, the top is that folder: the bake
    // file above is not read (and `test` is reported)...
    let run = p.concise(&["--select", "RD101", "svc"]);
    assert_eq!(run.stdout.matches(": RD101 ").count(), 1, "{run}");
    // ...unless a configuration says where the repository starts.
    p.write(".rdock.toml", "root = true\n");
    let run = p.concise(&["--select", "RD101", "svc"]);
    assert_eq!(run.stdout, "", "{run}");
}

/// Without git, the walk from the top does not enter a folder that is a
/// checkout of its own: that repository's builds are its own (linting a
/// Dockerfile in /tmp read the builds of every repository below /tmp).
#[test]
fn without_git_the_walk_does_not_enter_other_checkouts() {
    let p = Project::new()
        .with("svc/Dockerfile", NESTED)
        .with("other/.git/HEAD", "ref: refs/heads/main\n")
        .with(
            "other/docker-bake.hcl",
            "target \"t\" {\n  context = \"../svc\"\n  target = \"test\"\n}\n",
        );
    let targets = p.run(&["targets", "."]);
    assert!(targets.stdout.contains("No builds found."), "{targets}");
    let run = p.concise(&["--select", "RD101", "."]);
    assert_eq!(run.stdout.matches(": RD101 ").count(), 1, "{run}");
    // The same bake file in a plain folder is read.
    p.write(
        "tools/docker-bake.hcl",
        "target \"t\" {\n  context = \"../svc\"\n  target = \"test\"\n}\n",
    );
    let targets = p.run(&["targets", "."]);
    assert!(
        targets
            .stdout
            .contains("svc/Dockerfile: test (tools/docker-bake.hcl:1, bake)"),
        "{targets}"
    );
}

/// A folder inside a git checkout that tracks nothing of it (a corpus, a
/// vendored copy) is its own tree: the checkout's builds do not apply to
/// it, and it is not walked from the checkout's root. Once tracked, it is
/// the checkout's.
#[test]
fn a_folder_the_checkout_does_not_track_is_not_the_checkouts() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let p = Project::new()
        .with(
            "docker-bake.hcl",
            "target \"t\" {\n  context = \"corpus/svc\"\n  target = \"test\"\n}\n",
        )
        .with("README.md", "outer\n")
        .with("corpus/svc/Dockerfile", NESTED);
    git(p.dir.path(), &["init", "-q"]);
    git(p.dir.path(), &["add", "docker-bake.hcl", "README.md"]);
    let run = p.concise(&["--select", "RD101", "corpus/svc"]);
    assert_eq!(run.stdout.matches(": RD101 ").count(), 1, "{run}");
    let targets = p.run(&["targets", "corpus/svc"]);
    assert!(targets.stdout.contains("No builds found."), "{targets}");
    assert!(
        targets.stdout.contains("(top of the paths given)"),
        "{targets}"
    );
    // Tracked: the checkout's bake file builds `test`.
    git(p.dir.path(), &["add", "corpus"]);
    let run = p.concise(&["--select", "RD101", "corpus/svc"]);
    assert_eq!(run.stdout, "", "{run}");
    let targets = p.run(&["targets", "corpus/svc"]);
    assert!(targets.stdout.contains("(git checkout)"), "{targets}");
    assert!(
        targets.stdout.contains("corpus/svc/Dockerfile: test"),
        "{targets}"
    );
}

/// A checkout with a split index (`git update-index --split-index`, or
/// `core.splitIndex`): its files come from the index and its shared part,
/// so a file removed from the index is not read although it is still on
/// disk, and one added since is. Without the shared part, rdock walks the
/// tree instead, and still answers.
#[test]
fn a_split_index_is_read_and_a_broken_one_walked() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let p = Project::new()
        .with("docker-bake.hcl", TOP_BAKE)
        .with("svc/Dockerfile", NESTED)
        .with("build.sh", "docker build -t app svc\n")
        .with("README.md", "x\n");
    git(p.dir.path(), &["init", "-q"]);
    git(
        p.dir.path(),
        &["config", "splitIndex.maxPercentChange", "100"],
    );
    git(
        p.dir.path(),
        &["add", "docker-bake.hcl", "svc", "README.md"],
    );
    git(p.dir.path(), &["update-index", "--split-index"]);
    // Removed from the index (still on disk), and added after the split.
    git(p.dir.path(), &["rm", "-q", "--cached", "docker-bake.hcl"]);
    git(p.dir.path(), &["add", "build.sh"]);
    let index = fs::read(p.path(".git/index")).expect("index");
    assert!(index.windows(4).any(|w| w == b"link"), "not a split index");
    let targets = p.run(&["targets", "svc"]);
    targets.code(0);
    assert!(targets.stdout.contains("(git checkout)"), "{targets}");
    assert!(
        targets.stdout.contains("Looked at: build.sh\n"),
        "{targets}"
    );
    // RD101: `test` is built by nothing the checkout tracks.
    let run = p.concise(&["--select", "RD101", "svc"]);
    assert_eq!(run.stdout.matches(": RD101 ").count(), 1, "{run}");
    // The shared part gone: the tree is walked (the bake file on disk is
    // read again), without an error.
    for e in fs::read_dir(p.path(".git")).expect("ls .git") {
        let path = e.expect("entry").path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("sharedindex."))
        {
            fs::remove_file(path).expect("rm");
        }
    }
    let targets = p.run(&["targets", "svc"]);
    targets.code(0);
    assert!(
        targets
            .stdout
            .contains("svc/Dockerfile: test (docker-bake.hcl:1, bake)"),
        "{targets}"
    );
    let run = p.concise(&["--select", "RD101", "svc"]);
    assert_eq!(run.stdout, "", "{run}");
    run.code(0);
}

/// A repository whose builds go through variables: a Makefile building
/// `--target $(TARGET)` with `$(VAR)`s on the line, a script without an
/// extension looping over a bash array, a workflow matrix, and FROM lines
/// choosing stages by ARG. Only the stage nothing could build is reported.
#[test]
fn unreachable_stage_follows_variables_in_builds_and_from() {
    let p = Project::new()
        .with(
            "build/Dockerfile",
            "\
ARG ARCH=amd64
FROM alpine AS amd64-base
RUN echo amd64

FROM alpine AS arm64-base
RUN echo arm64

FROM ${ARCH}-base AS build
RUN echo build > /out

FROM alpine AS test-unit
RUN echo unit

FROM alpine AS test-e2e
RUN echo e2e

FROM alpine AS lint
RUN echo lint

FROM alpine AS debug
RUN echo debug

FROM alpine AS forgotten
RUN echo nobody builds me

FROM scratch AS release
COPY --from=build /out /out
",
        )
        .with(
            "Makefile",
            "TARGET ?= release\nimage:\n\t$(DOCKER) build --build-arg=GOARCH=$(GOARCH) -t $(REGISTRY)/app:$(TAG) --target $(TARGET) -f build/Dockerfile .\ntest-%:\n\tdocker build --target test-$* -f build/Dockerfile .\n",
        )
        .with(
            "hack/lint",
            "#!/usr/bin/env bash\nset -e\ndocker build --build-arg NOW=$(date +%s) --target lint -f \"build/${DOCKERFILE:-Dockerfile}\" .\n",
        );
    fs::create_dir_all(p.path(".git")).expect("mkdir .git");
    // The Makefile's `--target $(TARGET)` could build any stage.
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert!(unreachable_stages(&run).is_empty(), "{run}");
    // Without it: the pattern `test-$*`, the script's `lint` (after a
    // `$(date +%s)`), the workflow matrix and `${ARCH}-base` still count;
    // `forgotten` does not.
    p.write(
        "Makefile",
        "image:\n\t$(DOCKER) build --build-arg=GOARCH=$(GOARCH) -t $(REGISTRY)/app:$(TAG) -f build/Dockerfile .\ntest-%:\n\tdocker build --target test-$* -f build/Dockerfile .\n",
    );
    p.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  images:\n    strategy:\n      matrix:\n        stage: [debug]\n    steps:\n      - uses: depot/build-push-action@v1\n        with:\n          file: build/Dockerfile\n          target: ${{ matrix.stage }}\n",
    );
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert_eq!(unreachable_stages(&run), ["forgotten"], "{run}");
    // `rdock targets` lists the builds, patterns as written.
    let targets = Run::of(&mut p.cmd(&["targets"]));
    for want in [
        "build/Dockerfile: <last stage> (Makefile:2, script)",
        "build/Dockerfile: test-$* (Makefile:4, script)",
        "build/Dockerfile: lint (hack/lint:3, script)",
        "build/Dockerfile: debug (.github/workflows/ci.yml:11, workflow)",
    ] {
        assert!(targets.stdout.contains(want), "{want}\n{targets}");
    }
    // A script that changes folder first: `build/Dockerfile` is found from
    // the `cd` on the same line, or from a path that ends like it.
    p.write(
        "ci/release.sh",
        "cd build && docker build --target forgotten -f Dockerfile .\n",
    );
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert!(unreachable_stages(&run).is_empty(), "{run}");
    p.write(
        "ci/release.sh",
        "cd \"$ROOT\"\ndocker build --target forgotten -f build/Dockerfile .\n",
    );
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert!(unreachable_stages(&run).is_empty(), "{run}");
    fs::remove_file(p.path("ci/release.sh")).expect("rm");
    // A target handed over in a variable, the build's flags assembled
    // elsewhere: `forgotten` is possibly built, and not reported.
    p.write(
        "ci/release.sh",
        "ARGS=\"--target ${DOCKER_TARGET}\"\ndocker build $ARGS -f build/Dockerfile .\n",
    );
    p.write(
        ".github/workflows/release.yml",
        "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    env:\n      DOCKER_TARGET: forgotten\n    steps:\n      - run: ci/release.sh\n",
    );
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert!(unreachable_stages(&run).is_empty(), "{run}");
    fs::remove_file(p.path("ci/release.sh")).expect("rm");
    fs::remove_file(p.path(".github/workflows/release.yml")).expect("rm");
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert_eq!(unreachable_stages(&run), ["forgotten"], "{run}");
    // A script looping over a bash array builds stages rdock cannot name.
    p.write(
        "hack/all",
        "#!/bin/sh\ntargets=(a b)\nfor t in \"${targets[@]}\"; do docker build --target \"$t\" -f build/Dockerfile .; done\n",
    );
    let run = p.concise(&["--select", "RD101", "build/Dockerfile"]);
    assert!(unreachable_stages(&run).is_empty(), "{run}");
}

/// `rdock rules | head -1`: the reader leaves early; rdock ends without a
/// panic message.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("rdock"))
        .arg("rules")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rdock");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for rdock");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `--fix` keeps who a file belongs to: owner, group, mode (setgid too),
/// extended attributes, and hard links (both names see the fix).
#[cfg(unix)]
#[test]
fn fix_keeps_owner_mode_attributes_and_hard_links() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Dockerfile");
    std::fs::write(&f, "FROM busybox:1.36 as build\n").unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&f, Some(1234), Some(1235)).unwrap();
    }
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o2640)).unwrap();
    let xattrs = xattr::set(&f, "user.rdock-test", b"kept").is_ok();
    let linked = dir.path().join("linked.Dockerfile");
    let other = dir.path().join("other-name");
    std::fs::write(&linked, "FROM busybox:1.36 as build\n").unwrap();
    std::fs::hard_link(&linked, &other).unwrap();

    let out = cargo_bin_cmd!("rdock")
        .args(["lint", "--no-config", "--select", "RD108", "--fix"])
        .arg(&f)
        .arg(&linked)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "FROM busybox:1.36 AS build\n"
    );
    let m = std::fs::metadata(&f).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o2640);
    if root {
        assert_eq!((m.uid(), m.gid()), (1234, 1235));
    }
    if xattrs {
        assert_eq!(
            xattr::get(&f, "user.rdock-test").unwrap().as_deref(),
            Some(&b"kept"[..])
        );
    }
    // Both names of the hard link see the fix: one file still.
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "FROM busybox:1.36 AS build\n"
    );
    assert_eq!(
        std::fs::metadata(&other).unwrap().ino(),
        std::fs::metadata(&linked).unwrap().ino()
    );
    // No temporary file is left beside them.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".rdock-")), "{names:?}");
}

/// A read-only file is refused as an editor would, and its findings are
/// still reported.
#[cfg(unix)]
#[test]
fn fix_refuses_a_read_only_file_and_keeps_its_findings() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Dockerfile");
    std::fs::write(&f, "FROM busybox:1.36 as build\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = cargo_bin_cmd!("rdock")
        .args([
            "lint",
            "--no-config",
            "--select",
            "RD108",
            "--fix",
            "--output-format",
            "concise",
        ])
        .arg(&f)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("read-only (mode 444)"), "{stderr}");
    assert!(stdout.contains("RD108"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "FROM busybox:1.36 as build\n"
    );
}

/// Ctrl-C during `--fix` of a big folder: each file is fixed whole or left
/// as it was, no temporary file stays, and the run says it was interrupted.
#[cfg(unix)]
#[test]
fn ctrl_c_during_fix_leaves_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3000;
    for i in 0..n {
        std::fs::write(
            dir.path().join(format!("d{i}.Dockerfile")),
            "FROM busybox:1.36 as b\n",
        )
        .unwrap();
    }
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_rdock"))
        .args(["lint", "--no-config", "--select", "RD108", "--fix", "."])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: a signal to the child this test spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (mut fixed, mut untouched) = (0, 0);
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with(".rdock-"),
            "a temporary file was left: {name}"
        );
        match std::fs::read_to_string(e.path()).unwrap().as_str() {
            "FROM busybox:1.36 AS b\n" => fixed += 1,
            "FROM busybox:1.36 as b\n" => untouched += 1,
            other => panic!("{name} holds {other:?}"),
        }
    }
    assert_eq!(fixed + untouched, n);
    if untouched > 0 {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("interrupted (Ctrl-C)"), "{stderr}");
    }
}

/// A Docker daemon that never answers does not hang `rdock verify`: every
/// question to the engine has a time limit, and the error says which.
#[cfg(unix)]
#[test]
fn verify_gives_up_on_an_engine_that_never_answers() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new().with("Dockerfile", "FROM scratch\nCOPY a /a\n");
    let fake = p.path("docker");
    fs::write(&fake, "#!/bin/sh\nexec sleep 600\n").unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let start = std::time::Instant::now();
    let run = Run::of(
        p.cmd(&[
            "verify",
            "--engine",
            "docker",
            "Dockerfile",
            "--against",
            "Dockerfile",
        ])
        .env("RDOCK_DOCKER", &fake)
        .env("RDOCK_ENGINE_TIMEOUT", "1")
        .timeout(std::time::Duration::from_secs(120)),
    );
    run.code(2);
    assert!(run.stderr.contains("no answer in 1 s"), "{run}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{run}"
    );
}

/// The walk takes Dockerfiles by name, but not a Dockerfile's own
/// `.dockerignore` (`Dockerfile.dockerignore`, BuildKit's per-file ignore
/// list), whose patterns are not instructions.
#[test]
fn walk_skips_a_dockerfiles_own_dockerignore() {
    let p = Project::new()
        .with("Dockerfile", "FROM alpine\n")
        .with("Dockerfile.dockerignore", "*\n!src\n")
        .with("Dockerfile.test.dockerignore", "test*\n");
    let run = p.concise(&["--select", "RD001", "."]);
    run.code(0);
    assert_eq!(run.stdout, "", "{run}");
}

/// `verify` and `trace` take the flags of the build they make from one
/// place, so they refuse the same bad values the same way, before any
/// engine is asked: a context that is not a folder, no stage at a time.
#[test]
fn verify_and_trace_refuse_the_same_bad_build_flags() {
    let p = Project::new().with("Dockerfile", "FROM scratch\nCOPY a /a\n");
    for command in ["verify", "trace"] {
        let run = Run::of(&mut p.cmd(&[command, "Dockerfile", "--context", "missing"]));
        run.code(2);
        assert!(
            run.stderr
                .contains("the build context `missing` is not a directory"),
            "{command}: {run}"
        );
        assert!(run.stderr.contains("--context"), "{command}: {run}");
        let run = Run::of(&mut p.cmd(&[command, "Dockerfile", "--jobs", "0"]));
        run.code(2);
        assert!(run.stderr.contains("'--jobs <N>'"), "{command}: {run}");
    }
}
