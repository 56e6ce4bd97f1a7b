//! `rdock verify` on a real BuildKit engine (start one with `scripts/engine.sh
//! --debian`). Each test skips, saying why, when no engine answers, and fails
//! instead under `RDOCK_REQUIRE_ENGINE=1` or `RDOCK_REQUIRE_EXTERNAL=1` (CI).
//!
//! The engine is found through `DOCKER_HOST` and `docker` on PATH, or else
//! through the environment file `scripts/engine.sh` writes
//! (`$RDOCK_ENGINE_ENV`, default `/opt/rdock-engine/env`). The `buildctl`
//! tests need a buildkitd (`scripts/engine.sh --debian --buildkitd`):
//! `BUILDKIT_HOST`, `buildctl` on PATH, and the base images as OCI layouts
//! in `RDOCK_ENGINE_LAYOUTS`.

mod common;
#[cfg(target_os = "linux")]
#[path = "engine/embedded.rs"]
mod embedded;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn fixture(rel: &str) -> String {
    common::root()
        .join("tests/fixtures/engine")
        .join(rel)
        .display()
        .to_string()
}

/// The variables of `scripts/engine.sh`'s environment file (none when DOCKER_HOST and BUILDKIT_HOST are already set).
fn engine_env() -> Vec<(String, String)> {
    common::engine_env(&["DOCKER_HOST", "BUILDKIT_HOST"])
}

/// Engine builds run one at a time, so that timings are not disturbed by
/// another test's build.
fn engine_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether an engine answers, with the images a test needs. Skips (or
/// fails when required) with the reason otherwise.
fn engine(test: &str, images: &[&str]) -> bool {
    static STATUS: OnceLock<Result<(), String>> = OnceLock::new();
    let status = STATUS.get_or_init(|| {
        let mut c = Command::new("docker");
        c.args(["buildx", "version"]).envs(engine_env());
        match c.output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(format!(
                    "`docker buildx version` failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ))
            }
            Err(e) => return Err(format!("no `docker` on PATH ({e})")),
        }
        let mut c = Command::new("docker");
        c.args(["version", "--format", "{{.Server.Version}}"])
            .envs(engine_env());
        match c.output() {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "no Docker daemon answers: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Err(e.to_string()),
        }
    });
    let why = match status {
        Err(e) => Some(format!("{e}; start one with `scripts/engine.sh --debian`")),
        Ok(()) => images.iter().find_map(|img| {
            let ok = Command::new("docker")
                .args(["image", "inspect", img])
                .envs(engine_env())
                .output()
                .is_ok_and(|o| o.status.success());
            (!ok).then(|| {
                format!("the engine has no image `{img}`; `scripts/engine.sh --debian` builds it")
            })
        }),
    };
    match why {
        None => true,
        Some(why) => {
            if std::env::var("RDOCK_REQUIRE_ENGINE").as_deref() == Ok("1") {
                panic!("{test}: {why}, and RDOCK_REQUIRE_ENGINE=1 requires it");
            }
            common::skip(test, &why);
            false
        }
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

fn verify(args: &[&str]) -> Run {
    let mut cmd = cargo_bin_cmd!("rdock");
    cmd.arg("verify")
        .args(args)
        .envs(engine_env())
        .env_remove("RDOCK_OUTPUT_FORMAT");
    let out = cmd.output().expect("run rdock");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (clause, path) of every difference.
fn differences(v: &Value) -> Vec<(String, String)> {
    v["differences"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["clause"].as_str().unwrap_or_default().to_string(),
                d["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn seed_serial_matches_the_seed_parallel_file_and_is_faster() {
    if !engine(
        "seed_serial_matches_the_seed_parallel_file_and_is_faster",
        &["debian:12.4"],
    ) {
        return;
    }
    let _g = engine_lock();
    let run = verify(&[
        &fixture("seed/serial.Dockerfile"),
        "--against",
        &fixture("seed/parallel.Dockerfile"),
        "--output-format",
        "json",
    ]);
    let v = run.json();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(v["verdict"], "match");
    assert_eq!(differences(&v), Vec::<(String, String)>::new());
    // A whole Debian tree was compared, not an empty export.
    assert!(v["entries_compared"].as_u64().unwrap_or(0) > 1000, "{v}");
    assert_eq!(v["fields_compared"], 12);
    let a = v["original"]["median_s"].as_f64().unwrap_or(0.0);
    let b = v["rewrite"]["median_s"].as_f64().unwrap_or(f64::MAX);
    eprintln!("seed serial {a:.2} s, parallel {b:.2} s, {:.2}x", a / b);
    assert!(
        a >= 15.0,
        "three RUNs of `sleep 5` one after another take 15 s: {a}"
    );
    // The speed-up itself is a benchmark (scripts/bench-engines.py), not a
    // timed assertion; here only what holds under any load: the rewrite's
    // three `sleep 5` stages lie on separate branches of its graph.
    rewrite_branches_the_sleeps(&v);
    let ideal = v["ideal_speedup"].as_f64().unwrap_or(0.0);
    assert!(
        ideal > 2.5 && ideal < 3.5,
        "three 5 s stages in parallel: ideal {ideal}"
    );
    assert_eq!(v["rewrite"]["stages"].as_array().map(Vec::len), Some(4));
}

/// The seed's rewrite puts its three `sleep 5` RUNs on separate branches:
/// its steps add up to three sleeps (15 s or more) while its longest chain
/// holds one (each step's time is bounded below by its sleep, so this
/// holds however loaded the machine is). The speed-up on the clock is
/// measured by scripts/bench-engines.py.
fn rewrite_branches_the_sleeps(v: &serde_json::Value) {
    let serial = v["rewrite"]["serial_s"].as_f64().unwrap_or(0.0);
    let critical = v["rewrite"]["critical_path_s"].as_f64().unwrap_or(f64::MAX);
    assert!(serial >= 15.0, "the rewrite's steps: {serial} s\n{v}");
    assert!(
        critical < serial / 2.0,
        "the rewrite's longest chain {critical:.2} s of {serial:.2} s: the sleeps are not on separate branches\n{v}"
    );
}

#[test]
fn seed_serial_against_its_rewrite() {
    if !engine("seed_serial_against_its_rewrite", &["debian:12.4"]) {
        return;
    }
    let _g = engine_lock();
    let run = verify(&[
        &fixture("seed/serial.Dockerfile"),
        "--output-format",
        "json",
    ]);
    let v = run.json();
    // The parallelize rule (serial-independent-runs) rewrites the three RUNs
    // into parallel stages; the rewrite must build the same image, faster.
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(v["verdict"], "match", "{v}");
    assert_eq!(differences(&v), Vec::<(String, String)>::new());
    let a = v["original"]["median_s"].as_f64().unwrap_or(0.0);
    let b = v["rewrite"]["median_s"].as_f64().unwrap_or(f64::MAX);
    eprintln!("seed serial {a:.2} s, its rewrite {b:.2} s, {:.2}x", a / b);
    rewrite_branches_the_sleeps(&v);
}

#[test]
fn a_correct_split_matches() {
    if !engine("a_correct_split_matches", &["busybox:latest"]) {
        return;
    }
    let _g = engine_lock();
    let run = verify(&[
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/good.Dockerfile"),
        "--output-format",
        "json",
        "--runs",
        "2",
    ]);
    let v = run.json();
    assert_eq!(differences(&v), Vec::<(String, String)>::new(), "{v}");
    assert_eq!((run.code, v["verdict"].as_str()), (0, Some("match")));
    // Two runs of each side, alternating, with a ratio per pair.
    assert_eq!(v["original"]["build_s"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["rewrite"]["build_s"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["pair_speedups"].as_array().map(Vec::len), Some(2));
    let critical = v["rewrite"]["critical_stages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(critical.last().and_then(|s| s.as_str()), Some("#2"), "{v}");
}

/// Each broken rewrite is caught by the clause it breaks, and only by it.
#[test]
fn broken_rewrites_are_caught_by_the_right_clause() {
    if !engine(
        "broken_rewrites_are_caught_by_the_right_clause",
        &["busybox:latest"],
    ) {
        return;
    }
    let _g = engine_lock();
    let cases = [
        ("missing-copy-from", "missing", "/app/a.txt"),
        ("lost-deletion", "extra", "/app/tmp.txt"),
        ("changed-owner", "owner", "/app/b.txt"),
        ("changed-mode", "mode", "/app/a.txt"),
        ("lost-env", "config", "Env"),
        ("last-writer-wins", "content", "/app/shared.txt"),
    ];
    for (file, clause, path) in cases {
        let run = verify(&[
            &fixture("clauses/original.Dockerfile"),
            "--against",
            &fixture(&format!("clauses/{file}.Dockerfile")),
            "--output-format",
            "json",
        ]);
        let v = run.json();
        assert_eq!(run.code, 1, "{file}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(v["verdict"], "mismatch", "{file}");
        assert_eq!(
            differences(&v),
            [(clause.to_string(), path.to_string())],
            "{file}: {v}"
        );
        if file == "last-writer-wins" {
            let diff = v["differences"][0]["diff"].as_str().unwrap_or_default();
            assert!(diff.contains("-two") && diff.contains("+one"), "{diff}");
        }
        if file == "changed-owner" {
            assert_eq!(v["differences"][0]["original"], "1000:1000");
            assert_eq!(v["differences"][0]["rewrite"], "0:0");
        }
        if file == "changed-mode" {
            assert_eq!(v["differences"][0]["original"], "0750");
        }
    }
}

#[test]
fn the_full_report_names_each_difference() {
    if !engine("the_full_report_names_each_difference", &["busybox:latest"]) {
        return;
    }
    let _g = engine_lock();
    let run = verify(&[
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/last-writer-wins.Dockerfile"),
    ]);
    assert_eq!(run.code, 1);
    for want in [
        "content /app/shared.txt",
        "-two",
        "+one",
        "verdict: MISMATCH: 1 difference",
        "critical path",
        "speed-up",
    ] {
        assert!(run.stdout.contains(want), "no `{want}` in:\n{}", run.stdout);
    }
    // Not a terminal: no progress display.
    assert!(!run.stderr.contains("build 1/"), "{}", run.stderr);
}

#[test]
fn a_failing_build_exits_2_with_the_step() {
    if !engine("a_failing_build_exits_2_with_the_step", &["busybox:latest"]) {
        return;
    }
    let _g = engine_lock();
    let run = verify(&[
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/fails.Dockerfile"),
        "--output-format",
        "json",
    ]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["verdict"], "build-failed");
    assert_eq!(v["side"], "rewrite");
    assert!(
        v["step"]
            .as_str()
            .unwrap_or_default()
            .contains("RUN echo \"about to fail\""),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("exit code: 1"),
        "{v}"
    );
    assert!(
        run.stderr.contains("the rewrite build failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn keep_leaves_the_exported_filesystems() {
    if !engine("keep_leaves_the_exported_filesystems", &["busybox:latest"]) {
        return;
    }
    let _g = engine_lock();
    let run = verify(&[
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/good.Dockerfile"),
        "--output-format",
        "json",
        "--keep",
    ]);
    let v = run.json();
    let kept = PathBuf::from(v["kept"].as_str().expect("kept folder"));
    for f in ["original-1.tar", "original-2.tar", "rewrite-1.tar"] {
        assert!(kept.join(f).is_file(), "{} missing", kept.join(f).display());
    }
    std::fs::remove_dir_all(&kept).ok();
    // The kept images are removed by hand here.
    let pid_images = Command::new("docker")
        .args([
            "image",
            "ls",
            "--format",
            "{{.Repository}}",
            "--filter",
            "reference=rdock-verify-*",
        ])
        .envs(engine_env())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    for img in pid_images.lines() {
        let _ = Command::new("docker")
            .args(["image", "rm", "-f", img])
            .envs(engine_env())
            .output();
    }
}

/// The value of an engine variable: the environment's, else the engine file's.
fn engine_var(name: &str) -> Option<String> {
    std::env::var(name).ok().or_else(|| {
        engine_env()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    })
}

/// Whether a buildkitd answers through `buildctl`, with the OCI layouts the
/// tests need; returns the `--build-context` arguments for them. Skips (or
/// fails when required) with the reason otherwise.
fn buildkitd(test: &str, layouts: &[(&str, &str)]) -> Option<Vec<String>> {
    static STATUS: OnceLock<Result<(), String>> = OnceLock::new();
    let status = STATUS.get_or_init(|| {
        let Some(addr) = engine_var("BUILDKIT_HOST") else {
            return Err("BUILDKIT_HOST is not set".into());
        };
        let mut c = Command::new("buildctl");
        c.args(["--addr", &addr, "debug", "info"])
            .envs(engine_env());
        match c.output() {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "no buildkitd answers at {addr}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Err(format!("no `buildctl` on PATH ({e})")),
        }
    });
    let dir = engine_var("RDOCK_ENGINE_LAYOUTS").unwrap_or_default();
    let why = match status {
        Err(e) => Some(e.clone()),
        Ok(()) => layouts.iter().find_map(|(_, layout)| {
            let index = PathBuf::from(&dir).join(layout).join("index.json");
            (!index.is_file()).then(|| format!("no OCI layout {}", index.display()))
        }),
    };
    match why {
        None => Some(
            layouts
                .iter()
                .flat_map(|(name, layout)| {
                    [
                        "--build-context".to_string(),
                        format!("{name}=oci-layout://{dir}/{layout}"),
                    ]
                })
                .collect(),
        ),
        Some(why) => {
            let why = format!("{why}; start one with `scripts/engine.sh --debian --buildkitd`");
            if std::env::var("RDOCK_REQUIRE_ENGINE").as_deref() == Ok("1") {
                panic!("{test}: {why}, and RDOCK_REQUIRE_ENGINE=1 requires it");
            }
            common::skip(test, &why);
            None
        }
    }
}

#[test]
fn buildctl_seed_serial_against_its_rewrite() {
    let Some(contexts) = buildkitd(
        "buildctl_seed_serial_against_its_rewrite",
        &[("debian:12.4", "debian-12.4")],
    ) else {
        return;
    };
    let _g = engine_lock();
    let mut args = vec![
        fixture("seed/serial.Dockerfile"),
        "--engine".into(),
        "buildctl".into(),
        "--output-format".into(),
        "json".into(),
    ];
    args.extend(contexts);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = verify(&args);
    let v = run.json();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(v["verdict"], "match", "{v}");
    assert!(
        v["engine"]
            .as_str()
            .unwrap_or_default()
            .contains("via buildctl"),
        "{v}"
    );
    assert_eq!(differences(&v), Vec::<(String, String)>::new());
    assert!(v["entries_compared"].as_u64().unwrap_or(0) > 1000, "{v}");
    assert_eq!(v["fields_compared"], 12);
    let a = v["original"]["median_s"].as_f64().unwrap_or(0.0);
    let b = v["rewrite"]["median_s"].as_f64().unwrap_or(f64::MAX);
    eprintln!(
        "buildctl: seed serial {a:.2} s, its rewrite {b:.2} s, {:.2}x",
        a / b
    );
    assert!(a >= 15.0, "three `sleep 5` RUNs one after another: {a}");
    rewrite_branches_the_sleeps(&v);
}

/// The same comparison catches broken rewrites through buildctl.
#[test]
fn buildctl_catches_broken_rewrites() {
    let Some(contexts) = buildkitd(
        "buildctl_catches_broken_rewrites",
        &[("busybox", "busybox")],
    ) else {
        return;
    };
    let _g = engine_lock();
    for (file, clause, path) in [
        ("missing-copy-from", "missing", "/app/a.txt"),
        ("changed-owner", "owner", "/app/b.txt"),
        ("lost-env", "config", "Env"),
    ] {
        let mut args = vec![
            fixture("clauses/original.Dockerfile"),
            "--against".into(),
            fixture(&format!("clauses/{file}.Dockerfile")),
            "--engine".into(),
            "buildctl".into(),
            "--output-format".into(),
            "json".into(),
        ];
        args.extend(contexts.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = verify(&args);
        let v = run.json();
        assert_eq!(run.code, 1, "{file}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(
            differences(&v),
            [(clause.to_string(), path.to_string())],
            "{file}: {v}"
        );
    }
}

/// A build context that names no manifest is a clear error, exit 2.
#[test]
fn buildctl_bad_build_context_exits_2() {
    let Some(_) = buildkitd("buildctl_bad_build_context_exits_2", &[]) else {
        return;
    };
    let run = verify(&[
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/good.Dockerfile"),
        "--engine",
        "buildctl",
        "--build-context",
        "busybox=oci-layout:///nonexistent/layout",
    ]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--build-context"), "{}", run.stderr);
    assert!(
        run.stderr.contains("/nonexistent/layout/index.json"),
        "{}",
        run.stderr
    );
}

/// Runs `rdock verify ARGS` on a pseudo-terminal (tests/common/pty_run.py);
/// returns its exit code and everything it printed, carriage returns and
/// escape sequences included.
fn verify_on_a_terminal(args: &[&str]) -> Option<(i32, String)> {
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let status = Command::new("python3")
        .arg(common::root().join("tests/common/pty_run.py"))
        .arg(out.path())
        .arg(assert_cmd::cargo::cargo_bin!("rdock"))
        .arg("verify")
        .args(args)
        .envs(engine_env())
        .env_remove("CI")
        .env_remove("RDOCK_OUTPUT_FORMAT")
        .env("TERM", "xterm-256color")
        .status();
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            common::skip("verify_on_a_terminal", &format!("no python3 ({e})"));
            return None;
        }
    };
    let text = std::fs::read_to_string(out.path()).unwrap_or_default();
    Some((status.code().unwrap_or(-1), text))
}

/// On a terminal the progress display names the build, the step and the
/// elapsed time; with `--output-format json` only the JSON is printed.
#[test]
fn progress_shows_on_a_terminal_and_not_with_json() {
    if !engine(
        "progress_shows_on_a_terminal_and_not_with_json",
        &["busybox:latest"],
    ) {
        return;
    }
    let _g = engine_lock();
    let original = fixture("clauses/original.Dockerfile");
    let good = fixture("clauses/good.Dockerfile");
    let Some((code, screen)) = verify_on_a_terminal(&[&original, "--against", &good]) else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    for want in [
        "build 1/3 (original #1)",
        "build 2/3 (rewrite #1)",
        "build 3/3 (original #2)",
        "RUN echo a > a.txt",
        "verdict: MATCH",
    ] {
        assert!(
            screen.contains(want),
            "no `{want}` on the terminal:\n{screen}"
        );
    }
    // The spinner's elapsed time, `[  1s]`, before the message.
    let elapsed = regex::Regex::new(r"\[ *\d+s\] build \d/3").expect("regex");
    assert!(elapsed.is_match(&screen), "no elapsed time:\n{screen}");

    let Some((code, screen)) =
        verify_on_a_terminal(&[&original, "--against", &good, "--output-format", "json"])
    else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("build 1/3"), "{screen}");
    let text = screen.replace("\r\n", "\n");
    let v: Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("more than the JSON on the terminal ({e}):\n{screen}"));
    assert_eq!(v["verdict"], "match");
}

/// No engine at all: a clear error naming what was looked for (no engine needed).
#[test]
fn a_missing_engine_is_a_clear_error() {
    let mut cmd = cargo_bin_cmd!("rdock");
    cmd.args([
        "verify",
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/good.Dockerfile"),
    ])
    .env("DOCKER_HOST", "unix:///nonexistent/rdock-test.sock")
    .env("RDOCK_BUILDCTL", "/nonexistent/buildctl")
    .env_remove("BUILDKIT_HOST");
    let out = cmd.output().expect("run rdock");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no BuildKit engine found"), "{err}");
    // Both engines were looked for, and the help says how to start each.
    assert!(err.contains("docker"), "{err}");
    assert!(err.contains("/nonexistent/buildctl"), "{err}");
    assert!(err.contains("scripts/engine.sh --buildkitd"), "{err}");
    assert!(err.contains("BUILDKIT_HOST"), "{err}");
}

/// `--engine buildctl` with no buildkitd at the address: exit 2, naming the
/// address and how to start one.
#[test]
fn a_missing_buildkitd_is_a_clear_error() {
    let mut cmd = cargo_bin_cmd!("rdock");
    cmd.args([
        "verify",
        &fixture("clauses/original.Dockerfile"),
        "--against",
        &fixture("clauses/good.Dockerfile"),
        "--engine",
        "buildctl",
        "--buildkit-host",
        "unix:///nonexistent/buildkitd.sock",
    ])
    .envs(engine_env());
    let out = cmd.output().expect("run rdock");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no BuildKit engine found"), "{err}");
    // Without buildctl on PATH it says so; with it, that nothing answers.
    assert!(
        err.contains("unix:///nonexistent/buildkitd.sock") || err.contains("`buildctl`"),
        "{err}"
    );
    assert!(err.contains("scripts/engine.sh --buildkitd"), "{err}");
}

#[test]
fn bad_input_exits_2() {
    let run = verify(&["/nonexistent/Dockerfile"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    let run = verify(&[&fixture("clauses/original.Dockerfile"), "--build-arg", "=x"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no name"), "{}", run.stderr);
}

/// No fix applies: nothing to compare, and no engine is needed to say so.
#[test]
fn an_unchanged_file_has_nothing_to_compare() {
    let mut cmd = cargo_bin_cmd!("rdock");
    cmd.args([
        "verify",
        &fixture("clauses/fails.Dockerfile"),
        "--output-format",
        "json",
    ])
    .env("DOCKER_HOST", "unix:///nonexistent/rdock-test.sock");
    let out = cmd.output().expect("run rdock");
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "unchanged");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nothing to compare"),
        "{v}"
    );
}

/// What `rdock lint --fix` applies without `--unsafe-fixes` keeps the image:
/// casing, `ENV k=v`, EXPOSE protocol, and `cd` turned into WORKDIR with the
/// previous WORKDIR put back.
#[test]
fn safe_fixes_keep_the_image() {
    if !engine("safe_fixes_keep_the_image", &["busybox:latest"]) {
        return;
    }
    let _g = engine_lock();
    let file = fixture("fixes/safe.Dockerfile");
    let run = verify(&[&file, "--output-format", "json"]);
    let v = run.json();
    assert_eq!(differences(&v), Vec::<(String, String)>::new(), "{v}");
    assert_eq!((run.code, v["verdict"].as_str()), (0, Some("match")), "{v}");
    // The fixes really changed the file (six safe fixes, the WORKDIR one included).
    let out = cargo_bin_cmd!("rdock")
        .args(["lint", "--diff", "--fix", &file])
        .output()
        .expect("run rdock");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("+WORKDIR /app/src"), "{diff}");
    assert!(diff.contains("+ENV A=1"), "{diff}");
}

/// A split inside a RUN whose files the same RUN deletes hands them over
/// through mounts: the image keeps its size, and `rdock verify` says so; the
/// same split with COPY --from is reported as larger.
#[test]
fn handed_over_files_stay_out_of_the_layers() {
    if !engine(
        "handed_over_files_stay_out_of_the_layers",
        &["busybox:latest"],
    ) {
        return;
    }
    let _g = engine_lock();
    let file = fixture("fixes/handover.Dockerfile");
    let out = cargo_bin_cmd!("rdock")
        .args(["lint", "--select", "RD501", "--diff", &file])
        .output()
        .expect("run rdock");
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("+RUN --mount=type=bind,from=a,"), "{diff}");
    assert!(!diff.contains("+COPY --from"), "{diff}");
    let run = verify(&[&file, "--output-format", "json"]);
    let v = run.json();
    assert_eq!((run.code, v["verdict"].as_str()), (0, Some("match")), "{v}");
    let bytes = |v: &Value, side: &str| v[side]["image_bytes"].as_u64().unwrap_or(0);
    assert!(bytes(&v, "original") > 0, "{v}");
    assert_eq!(v["image_larger"], false, "{v}");
    let by_copy = fixture("fixes/handover-by-copy.Dockerfile");
    let run = verify(&[&file, "--against", &by_copy, "--output-format", "json"]);
    let v = run.json();
    assert_eq!((run.code, v["verdict"].as_str()), (0, Some("match")), "{v}");
    assert_eq!(v["image_larger"], true, "{v}");
    assert!(
        bytes(&v, "rewrite") >= bytes(&v, "original") + 40_000_000,
        "{v}"
    );
}

/// `scripts/soundness.py` with `args`: (exit code, its output). The harness
/// builds each batch of programs and its rewrite with `rdock verify`.
fn soundness(args: &[&str]) -> (i32, String) {
    let out = Command::new("python3")
        .arg(common::root().join("scripts/soundness.py"))
        .args(["--rdock", env!("CARGO_BIN_EXE_rdock")])
        .args(args)
        .envs(engine_env())
        .output()
        .expect("run scripts/soundness.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// `programs N, split K, verified K, differences D` from the last line.
fn soundness_counts(text: &str) -> [u64; 4] {
    let last = text
        .lines()
        .rev()
        .find(|l| l.starts_with("programs "))
        .unwrap_or_else(|| panic!("no summary line:\n{text}"));
    let n: Vec<u64> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    [n[0], n[1], n[2], n[3]]
}

/// Every class of rewrite that once changed an image (the soundness issue's
/// table, one program each): built both ways on BuildKit in one batch, each
/// is either not split or split into an image that matches.
#[test]
fn soundness_regressions_keep_the_image() {
    if !engine(
        "soundness_regressions_keep_the_image",
        &["busybox:latest", "debian:12.4"],
    ) {
        return;
    }
    let _g = engine_lock();
    let dir = common::root().join("tests/fixtures/engine/soundness");
    let (code, text) = soundness(&["--fixtures", &dir.display().to_string(), "--no-shrink"]);
    let [programs, split, verified, differences] = soundness_counts(&text);
    assert_eq!((code, differences), (0, 0), "{text}");
    assert_eq!(programs as usize, common::fixtures(&dir).len(), "{text}");
    // The classes that can be split are split, and all of those were built.
    assert!(split >= 10 && verified == split, "{text}");
}

/// Random programs from the vocabulary the models claim, with a fixed seed
/// and a fresh one (printed, so a failure can be replayed): no split may
/// change the image.
#[test]
fn generated_programs_keep_the_image() {
    if !engine(
        "generated_programs_keep_the_image",
        &["busybox:latest", "debian:12.4"],
    ) {
        return;
    }
    let _g = engine_lock();
    let fresh = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs() % 1_000_000)
        .to_string();
    for seed in ["2026", fresh.as_str()] {
        let (code, text) = soundness(&["--programs", "40", "--batch", "40", "--seed", seed]);
        let [programs, split, verified, differences] = soundness_counts(&text);
        assert_eq!((code, differences), (0, 0), "seed {seed}:\n{text}");
        assert!(
            programs >= 30 && split > 0 && verified == split,
            "seed {seed}:\n{text}"
        );
    }
}

/// The harness can fail: a rewrite with one `COPY --from` line dropped is a
/// difference it must report.
#[test]
fn the_soundness_harness_catches_a_dropped_copy() {
    if !engine(
        "the_soundness_harness_catches_a_dropped_copy",
        &["busybox:latest", "debian:12.4"],
    ) {
        return;
    }
    let _g = engine_lock();
    let (code, text) = soundness(&[
        "--programs",
        "24",
        "--batch",
        "24",
        "--seed",
        "3",
        "--sabotage",
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("caught"), "{text}");
    let [_, split, _, differences] = soundness_counts(&text);
    assert!(split > 0 && differences > 0, "{text}");
    // The shrinker makes the program with the dropped copy minimal: the two
    // chains a split needs, and the prefix when they need it.
    let runs: u64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("shrunk to "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no shrunk program:\n{text}"));
    assert!(
        (2..=3).contains(&runs),
        "{runs} RUN steps after shrinking:\n{text}"
    );
}
