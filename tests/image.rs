//! The repository's own Dockerfile (the rdock image): rdock finds nothing in
//! it, its build context (.dockerignore) holds everything it copies, and it
//! builds on the engine (scripts/image.sh, with local stand-ins for the base
//! images) into an image that lints a mounted directory as a non-root user.
//! The engine test skips, saying why, when no engine answers, and fails
//! instead under `RDOCK_REQUIRE_ENGINE=1` or `RDOCK_REQUIRE_EXTERNAL=1` (CI).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use assert_cmd::cargo::cargo_bin_cmd;

#[test]
fn own_dockerfile_has_no_findings() {
    let out = cargo_bin_cmd!("rdock")
        .current_dir(common::root())
        .args([
            "lint",
            "--no-config",
            "--select",
            "ALL",
            "--output-format",
            "concise",
        ])
        .arg("Dockerfile")
        .output()
        .expect("run rdock");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No problems found"), "{stdout}");
}

#[test]
fn build_context_holds_what_the_dockerfile_copies() {
    let root = common::root();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).expect("read Dockerfile");
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect("read .dockerignore");
    let kept: Vec<&str> = ignore
        .lines()
        .filter_map(|l| l.trim().strip_prefix('!'))
        .map(|p| p.trim_end_matches('/'))
        .collect();
    assert!(
        ignore.lines().any(|l| l.trim() == "*"),
        "the context starts from nothing"
    );
    let mut copied = 0;
    for line in dockerfile.lines() {
        let Some(args) = line.strip_prefix("COPY ") else {
            continue;
        };
        if args.starts_with("--from=") {
            continue;
        }
        let words: Vec<&str> = args.split_whitespace().collect();
        for src in &words[..words.len() - 1] {
            assert!(
                kept.contains(src),
                "{src} is copied but .dockerignore drops it"
            );
            assert!(
                root.join(src).exists(),
                "{src} is copied but does not exist"
            );
            copied += 1;
        }
    }
    assert!(copied >= 5, "the builder copies the sources");
    // Everything cargo needs to build the binary: the rule docs are compiled in.
    assert!(kept.contains(&"rules") && kept.contains(&"src"));
}

/// The variables of `scripts/engine.sh`'s environment file (none when DOCKER_HOST is already set).
fn engine_env() -> Vec<(String, String)> {
    common::engine_env(&["DOCKER_HOST"])
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .envs(engine_env())
        .output()
        .unwrap_or_else(|e| panic!("run docker {args:?}: {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether an engine with `debian:12.4` answers; skips (or fails when
/// required) with the reason otherwise.
fn engine(test: &str) -> bool {
    let why = match Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", "debian:12.4"])
        .envs(engine_env())
        .output()
    {
        Ok(o) if o.status.success() => return true,
        Ok(o) => format!(
            "no engine with the image debian:12.4 answers ({})",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("no `docker` on PATH ({e})"),
    };
    let why = format!("{why}; start one with `scripts/engine.sh --debian`");
    if std::env::var("RDOCK_REQUIRE_ENGINE").as_deref() == Ok("1") {
        panic!("{test}: {why}, and RDOCK_REQUIRE_ENGINE=1 requires it");
    }
    common::skip(test, &why);
    false
}

/// A directory the image's non-root user can read, with the given files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, body) in files {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        std::fs::write(&path, body).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// `docker run --rm -v DIR:/src IMAGE ARGS...`, with no network.
fn run_image(image: &str, dir: &Path, extra: &[&str], args: &[&str]) -> Output {
    let volume = format!("{}:/src", dir.display());
    let mut all = vec!["run", "--rm", "--network=none", "-v", &volume];
    all.extend(extra);
    all.push(image);
    all.extend(args);
    docker(&all)
}

#[test]
fn image_builds_on_the_engine_and_lints_a_mounted_directory() {
    let test = "image_builds_on_the_engine_and_lints_a_mounted_directory";
    if !engine(test) {
        return;
    }
    let image = "rdock-test/rdock:ci";
    let started = Instant::now();
    let out = Command::new(common::root().join("scripts/image.sh"))
        .args(["--tag", image])
        .envs(engine_env())
        .output()
        .expect("run scripts/image.sh");
    assert!(out.status.success(), "scripts/image.sh: {}", text(&out));
    eprintln!(
        "scripts/image.sh built {image} in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // The runtime is minimal and runs as a non-root user.
    let out = docker(&["image", "inspect", "--format", "{{.Config.User}}", image]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "65532:65532");
    let out = run_image(
        image,
        Path::new("/"),
        &["--entrypoint", "/bin/sh"],
        &["-c", "true"],
    );
    assert!(
        !out.status.success(),
        "the image has no shell: {}",
        text(&out)
    );

    // Findings in a nested Dockerfile: exit 1, reported under /src.
    let dirty = project(&[
        (
            "services/api/Dockerfile",
            "FROM alpine:3.19 as Build\nRUN true\n",
        ),
        ("README.md", "FROM as as as\n"),
    ]);
    let out = run_image(
        image,
        dirty.path(),
        &[],
        &["lint", "--output-format", "concise", "/src"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("/src/services/api/Dockerfile:1:18: RD108")
            && stdout.contains("/src/services/api/Dockerfile:1:21: RD107"),
        "{}",
        text(&out)
    );
    assert!(!stdout.contains("README"), "{}", text(&out));

    // The image's default command is `lint /src`.
    let out = run_image(image, dirty.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("RD108"),
        "{}",
        text(&out)
    );

    // A clean project: exit 0, also as another non-root user.
    let clean = project(&[("Dockerfile", "FROM alpine:3.19 AS build\nRUN true\n")]);
    for extra in [&[][..], &["--user", "4242:4242"][..]] {
        let out = run_image(image, clean.path(), extra, &["lint", "/src"]);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("No problems found"),
            "{extra:?}: {}",
            text(&out)
        );
    }

    // rdock lints the repository's own Dockerfile clean inside the image too.
    let out = run_image(
        image,
        &common::root(),
        &[],
        &["lint", "--no-config", "--select", "ALL", "/src/Dockerfile"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
