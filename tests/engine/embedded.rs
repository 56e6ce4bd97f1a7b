//! `rdock verify --engine embedded`: rdock's own executor. These need root
//! and the base images `scripts/engine.sh --debian --buildkitd` leaves as
//! OCI layouts (`RDOCK_ENGINE_LAYOUTS`); they skip, saying why, without
//! them, and fail instead under `RDOCK_REQUIRE_ENGINE=1`. The cross-check
//! against BuildKit also needs the Docker engine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;

use super::{differences, engine, engine_lock, engine_var, fixture, verify, Run};
use rdock::verify::fs::Snapshot;

/// `--image` arguments for the layouts a test needs, when it can run.
fn embedded(test: &str, layouts: &[(&str, &str)]) -> Option<Vec<String>> {
    // SAFETY: a plain id query.
    let root = unsafe { libc::geteuid() } == 0;
    let dir = engine_var("RDOCK_ENGINE_LAYOUTS").unwrap_or_default();
    let why = if !root {
        Some("the embedded engine needs root".to_string())
    } else {
        layouts.iter().find_map(|(_, l)| {
            let p = PathBuf::from(&dir).join(l).join("index.json");
            (!p.is_file()).then(|| {
                format!(
                    "no OCI layout {}; `scripts/engine.sh --debian --buildkitd` makes it",
                    p.display()
                )
            })
        })
    };
    match why {
        None => Some(
            layouts
                .iter()
                .flat_map(|(name, l)| ["--image".to_string(), format!("{name}={dir}/{l}")])
                .collect(),
        ),
        Some(why) => {
            if std::env::var("RDOCK_REQUIRE_ENGINE").as_deref() == Ok("1") {
                panic!("{test}: {why}, and RDOCK_REQUIRE_ENGINE=1 requires it");
            }
            crate::common::skip(test, &why);
            None
        }
    }
}

fn verify_embedded(args: &[String], images: &[String]) -> Run {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["--engine", "embedded", "--output-format", "json"]);
    all.extend(images.iter().map(String::as_str));
    verify(&all)
}

const BUSYBOX: &[(&str, &str)] = &[("busybox", "busybox")];

#[test]
fn embedded_seed_serial_matches_the_parallel_file_and_is_faster() {
    let Some(images) = embedded(
        "embedded_seed_serial_matches_the_parallel_file_and_is_faster",
        &[("debian:12.4", "debian-12.4")],
    ) else {
        return;
    };
    let _g = engine_lock();
    let run = verify_embedded(
        &[
            fixture("seed/serial.Dockerfile"),
            "--against".into(),
            fixture("seed/parallel.Dockerfile"),
        ],
        &images,
    );
    let v = run.json();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(v["verdict"], "match", "{v}");
    assert!(
        v["engine"]
            .as_str()
            .unwrap_or_default()
            .starts_with("embedded"),
        "{v}"
    );
    assert_eq!(differences(&v), Vec::<(String, String)>::new());
    assert!(v["entries_compared"].as_u64().unwrap_or(0) > 1000, "{v}");
    assert_eq!(v["fields_compared"], 12);
    let a = v["original"]["median_s"].as_f64().unwrap_or(0.0);
    let b = v["rewrite"]["median_s"].as_f64().unwrap_or(f64::MAX);
    eprintln!(
        "embedded: seed serial {a:.2} s, parallel {b:.2} s, {:.2}x",
        a / b
    );
    assert!(a >= 15.0, "three `sleep 5` RUNs one after another: {a}");
    // The stages of the parallel file ran at the same time: its build, first
    // step to last, took less than its steps one after another minus one of
    // its 5 s sleeps (holds under any load; the speed-up on the clock is
    // measured by scripts/bench-engines.py).
    let steps = v["rewrite"]["serial_s"].as_f64().unwrap_or(0.0);
    assert!(steps >= 15.0, "the parallel file's steps: {steps} s");
    assert!(
        b < steps - 5.0,
        "parallel {b:.2} s for {steps:.2} s of steps: its stages did not overlap"
    );
}

/// The same verdicts as on BuildKit for the broken rewrites.
#[test]
fn embedded_catches_broken_rewrites() {
    let Some(images) = embedded("embedded_catches_broken_rewrites", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let good = verify_embedded(
        &[
            fixture("clauses/original.Dockerfile"),
            "--against".into(),
            fixture("clauses/good.Dockerfile"),
        ],
        &images,
    );
    assert_eq!(
        (good.code, good.json()["verdict"].as_str()),
        (0, Some("match")),
        "{}",
        good.stderr
    );
    for (file, clause, path) in [
        ("missing-copy-from", "missing", "/app/a.txt"),
        ("lost-deletion", "extra", "/app/tmp.txt"),
        ("changed-owner", "owner", "/app/b.txt"),
        ("changed-mode", "mode", "/app/a.txt"),
        ("lost-env", "config", "Env"),
        ("last-writer-wins", "content", "/app/shared.txt"),
    ] {
        let run = verify_embedded(
            &[
                fixture("clauses/original.Dockerfile"),
                "--against".into(),
                fixture(&format!("clauses/{file}.Dockerfile")),
            ],
            &images,
        );
        let v = run.json();
        assert_eq!(run.code, 1, "{file}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(
            differences(&v),
            [(clause.to_string(), path.to_string())],
            "{file}: {v}"
        );
    }
}

/// The mounts of this (the host's) mount namespace under an embedded
/// build's work folder (other engines on the machine mount and unmount
/// their own as they please).
fn mounts() -> BTreeSet<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .map(|l| {
            l.split_whitespace()
                .skip(3)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|m| m.contains("rdock-embedded-") || m.contains(".rdock-copy-source"))
        .collect()
}

/// The embedded engine's work folders left in the temporary folder.
fn work_dirs() -> BTreeSet<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rdock-embedded-"))
        })
        .collect()
}

/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker))
        .collect()
}

/// A RUN writes into its own tree, not the host's; reads nothing of the
/// host outside the context; cannot mount, make namespaces, open a device
/// it makes or poke the kernel through /proc (Docker's capabilities, a
/// `nodev` tree and /dev, /proc's knobs read-only); leaves no process,
/// mount or folder behind.
#[test]
fn embedded_steps_cannot_escape_their_sandbox() {
    let Some(images) = embedded("embedded_steps_cannot_escape_their_sandbox", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let id = std::process::id();
    let secret = std::env::temp_dir().join(format!("rdock-secret-{id}"));
    std::fs::write(&secret, "host secret").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let escape = format!("/rdock-escape-{id}");
    let tmp_escape = format!("/tmp/rdock-escape-{id}");
    let df = dir.path().join("Dockerfile");
    std::fs::write(
        &df,
        format!(
            "FROM busybox\n\
             RUN echo pwned > {escape} && echo pwned > {tmp_escape}\n\
             RUN test ! -e {secret} && ! cat {secret} && test \"$(ls /sys/class/net)\" = lo && test \"$(hostname)\" = buildkitsandbox\n\
             RUN (sleep 9871 &) ; nohup sleep 9872 > /dev/null 2>&1 & echo started\n\
             RUN test \"$$\" = 1 && ! ps -o args | grep -v grep | grep -q 'sleep 987'\n\
             RUN ! mount -t tmpfs none /mnt 2>/dev/null && ! unshare -m true 2>/dev/null\n\
             RUN mknod /tmp/disk b 254 0 && ! head -c 1 /tmp/disk >/dev/null 2>&1 && rm /tmp/disk\n\
             RUN mknod /dev/disk b 254 0 && ! head -c 1 /dev/disk >/dev/null 2>&1\n\
             RUN ! sh -c 'echo h > /proc/sysrq-trigger' 2>/dev/null && ! head -c 1 /proc/kcore | grep -q .\n\
             RUN grep -q 'CapBnd:.*a80425fb' /proc/self/status && head -c 1 /dev/urandom | wc -c | grep -q 1\n",
            secret = secret.display()
        ),
    )
    .unwrap();
    let (mounts_before, dirs_before) = (mounts(), work_dirs());
    let run = verify_embedded(
        &[
            df.display().to_string(),
            "--against".into(),
            df.display().to_string(),
        ],
        &images,
    );
    let _ = std::fs::remove_file(&secret);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        !Path::new(&escape).exists(),
        "a step wrote {escape} on the host"
    );
    assert!(
        !Path::new(&tmp_escape).exists(),
        "a step wrote {tmp_escape} on the host"
    );
    assert_eq!(
        processes_with("sleep 987"),
        Vec::<String>::new(),
        "a step left processes running"
    );
    assert_eq!(mounts(), mounts_before, "the build left mounts behind");
    assert_eq!(
        processes_with("__rdock-sandbox"),
        Vec::<String>::new(),
        "a sandbox helper is left"
    );
    assert_eq!(work_dirs(), dirs_before, "the build left its work folder");
}

/// A failing step: exit 2 naming the step and the command's exit code, and
/// nothing left behind.
#[test]
fn embedded_failing_step_exits_2_and_cleans_up() {
    let Some(images) = embedded("embedded_failing_step_exits_2_and_cleans_up", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let (mounts_before, dirs_before) = (mounts(), work_dirs());
    let run = verify_embedded(
        &[
            fixture("clauses/fails.Dockerfile"),
            "--against".into(),
            fixture("clauses/good.Dockerfile"),
        ],
        &images,
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("did not complete successfully"),
        "{}",
        run.stderr
    );
    assert_eq!(mounts(), mounts_before);
    assert_eq!(work_dirs(), dirs_before);
}

/// Ctrl-C in the middle of a step: the step's processes, the mounts and
/// the work folder go.
#[test]
fn embedded_interrupt_cleans_up() {
    let Some(images) = embedded("embedded_interrupt_cleans_up", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "FROM busybox\nRUN sleep 9873\n").unwrap();
    let (mounts_before, dirs_before) = (mounts(), work_dirs());
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("rdock"));
    cmd.args(["verify", "--engine", "embedded"])
        .arg(&df)
        .arg("--against")
        .arg(&df)
        .args(&images);
    let mut child = cmd.spawn().unwrap();
    let start = std::time::Instant::now();
    while processes_with("sleep 9873").is_empty() && start.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        !processes_with("sleep 9873").is_empty(),
        "the step never started"
    );
    // SAFETY: a signal to the child just started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(processes_with("sleep 9873"), Vec::<String>::new());
    assert_eq!(mounts(), mounts_before);
    assert_eq!(work_dirs(), dirs_before);
}

/// Without root: a clear error, exit 2.
#[test]
fn embedded_without_root_is_a_clear_error() {
    let Some(images) = embedded("embedded_without_root_is_a_clear_error", BUSYBOX) else {
        return;
    };
    // A copy of the binary that any user can run, wherever the checkout is.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("rdock");
    std::fs::copy(assert_cmd::cargo::cargo_bin!("rdock"), &bin).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "FROM busybox\nRUN true\n").unwrap();
    std::fs::set_permissions(&df, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&bin)
        .args(["verify", "--engine", "embedded", "--against"])
        .arg(&df)
        .arg(&df)
        .args(&images)
        .output()
        .expect("setpriv (util-linux)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs root"), "{err}");
}

/// The embedded engine's export and configuration against BuildKit's for
/// the same files (tests/fixtures/engine/embedded: ENV, ARG, WORKDIR, USER
/// and the image configuration; COPY's forms; stages, heredocs and
/// deletions; ADD of archives; RUN --mount), compared with `rdock
/// verify`'s own comparison.
#[test]
fn embedded_export_matches_buildkit() {
    if !engine("embedded_export_matches_buildkit", &["busybox:latest"]) {
        return;
    }
    let Some(images) = embedded("embedded_export_matches_buildkit", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let context = fixture("embedded/context");
    for file in ["config", "copy", "stages", "add", "mounts"] {
        let df = fixture(&format!("embedded/{file}.Dockerfile"));
        let side = |engine: &str| -> (Snapshot, serde_json::Value) {
            let mut cmd = cargo_bin_cmd!("rdock");
            cmd.args([
                "verify",
                "--keep",
                "--output-format",
                "json",
                "--engine",
                engine,
                "--context",
            ])
            .arg(&context)
            .arg(&df)
            .arg("--against")
            .arg(&df)
            .envs(super::engine_env());
            if engine == "embedded" {
                cmd.args(&images);
            }
            let out = cmd.output().unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!(
                    "{file} on {engine}: {e}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
            assert_eq!(v["verdict"], "match", "{file} on {engine}: {v}");
            let kept = PathBuf::from(v["kept"].as_str().unwrap());
            let tar = std::fs::File::open(kept.join("original-1.tar")).unwrap();
            let snap = Snapshot::from_tar(std::io::BufReader::new(tar)).unwrap();
            let _ = std::fs::remove_dir_all(&kept);
            (snap, v)
        };
        let (e, ev) = side("embedded");
        let (b, bv) = side("docker");
        // The configurations: rdock verify reads them the same way from both engines.
        let config = |v: &serde_json::Value| v["original"]["config"].clone();
        let cmp = rdock::verify::compare(
            (&e, &Default::default()),
            (&b, &Default::default()),
            &Default::default(),
        );
        let diffs: Vec<String> = cmp
            .differences
            .iter()
            .map(|d| {
                format!(
                    "{} {}: embedded {} / BuildKit {}",
                    d.clause.id(),
                    d.path,
                    d.original,
                    d.rewrite
                )
            })
            .collect();
        assert!(
            diffs.is_empty(),
            "{file}: the embedded export differs from BuildKit's:\n{}",
            diffs.join("\n")
        );
        assert!(
            cmp.entries_compared > 200,
            "{file}: {}",
            cmp.entries_compared
        );
        assert_eq!(config(&ev), config(&bv), "{file}: image configuration");
    }
}

/// Independent stages run at the same time; `--jobs 1` runs one at a time.
#[test]
fn embedded_jobs_bound_the_parallel_stages() {
    let Some(images) = embedded("embedded_jobs_bound_the_parallel_stages", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(
        &df,
        "FROM busybox AS a\nRUN sleep 2 && echo a > /a\n\
         FROM busybox AS b\nRUN sleep 2 && echo b > /b\n\
         FROM busybox AS c\nRUN sleep 2 && echo c > /c\n\
         FROM busybox AS unused\nRUN exit 1\n\
         FROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\nCOPY --from=c /c /c\n",
    )
    .unwrap();
    let df = df.display().to_string();
    // The build (first step to last) against the sum of its steps: stages
    // that ran at the same time make the first much shorter than the second,
    // stages run one at a time make them equal. Both are read from the same
    // build, so load on the machine does not change the answer.
    let time = |extra: &[&str]| {
        let mut args = vec![df.clone(), "--against".into(), df.clone()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let run = verify_embedded(&args, &images);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let v = run.json();
        let build = v["original"]["median_s"].as_f64().unwrap();
        let steps = v["original"]["serial_s"].as_f64().unwrap();
        assert!(steps >= 6.0, "three `sleep 2` steps: {steps} s");
        (build, steps)
    };
    let (parallel, steps) = time(&[]);
    assert!(
        parallel < steps - 2.0,
        "the stages did not run at the same time: {parallel:.2} s for {steps:.2} s of steps"
    );
    let (serial, steps) = time(&["--jobs", "1"]);
    assert!(
        serial >= steps - 0.1,
        "--jobs 1 ran stages at the same time: {serial:.2} s for {steps:.2} s of steps"
    );
}

/// The step cache: a second build reuses unchanged steps, and what it
/// gives is what the first build made; `--no-cache` (verify's default) runs
/// every step.
#[test]
fn embedded_step_cache_reuses_unchanged_steps() {
    let Some(images) = embedded("embedded_step_cache_reuses_unchanged_steps", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "one\n").unwrap();
    let df = dir.path().join("Dockerfile");
    let nonce = format!("{}-{:?}", std::process::id(), std::time::SystemTime::now());
    std::fs::write(
        &df,
        format!("FROM busybox\nRUN sleep 1 && echo '{nonce}' > /nonce\nCOPY input.txt /in/\nRUN sleep 1 && cat /in/input.txt > /out\n"),
    )
    .unwrap();
    let df = df.display().to_string();
    // Per build (the original's, then the rewrite's): its time, and how many
    // of its steps the cache gave.
    let builds = |cache: &str| -> Vec<(f64, u64)> {
        let args = [
            df.clone(),
            "--against".into(),
            df.clone(),
            format!("--no-cache={cache}"),
        ];
        let run = verify_embedded(&args, &images);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let v = run.json();
        assert_eq!(v["verdict"], "match", "{v}");
        ["original", "rewrite"]
            .iter()
            .flat_map(|s| {
                let times = v[s]["build_s"].as_array().unwrap().clone();
                let cached = v[s]["cached_steps"].as_array().unwrap().clone();
                assert_eq!(times.len(), cached.len(), "{v}");
                times
                    .into_iter()
                    .zip(cached)
                    .map(|(t, c)| (t.as_f64().unwrap(), c.as_u64().unwrap()))
            })
            .collect()
    };
    // Original #1 runs its three steps (RUN, COPY, RUN); the later builds
    // take all three from the cache, and the comparison proves the reused
    // layers give the same image.
    let first = builds("false");
    assert_eq!(first[0].1, 0, "the first build ran its steps: {first:?}");
    assert!(first[0].0 >= 2.0, "two `sleep 1` steps ran: {first:?}");
    assert!(
        first[1..].iter().all(|b| b.1 == 3),
        "later builds reused every step: {first:?}"
    );
    // A changed input runs the steps after it again, not the ones before.
    std::fs::write(dir.path().join("input.txt"), "two\n").unwrap();
    let changed = builds("false");
    assert_eq!(
        changed[0].1, 1,
        "only the RUN before the COPY came from the cache: {changed:?}"
    );
    assert!(
        changed[0].0 >= 1.0,
        "the RUN after the COPY ran: {changed:?}"
    );
    let uncached = builds("true");
    assert!(
        uncached.iter().all(|b| b.1 == 0 && b.0 >= 2.0),
        "--no-cache ran every step: {uncached:?}"
    );
}

/// `rdock trace` reads what each RUN step wrote and deleted from the layer
/// it left, and holds rdock's model of the step to it: the modelled file
/// commands cover what they did, and a model that claims less than the
/// trace shows (a `[[command]]` saying `mytool` changes nothing) fails.
#[test]
fn embedded_trace_holds_the_models_to_what_steps_did() {
    let Some(images) = embedded("embedded_trace_holds_the_models_to_what_steps_did", BUSYBOX)
    else {
        return;
    };
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    let base = "FROM busybox\n\
        RUN set -e; mkdir -p /src/a/b; echo 1 > /src/a/b/f; echo 2 > /src/top\n\
        RUN tar -czf /tmp/src.tgz -C /src . && mkdir -p /dst && tar -xzf /tmp/src.tgz -C /dst\n\
        RUN cp -r /src /copy && mv /src/top /moved && ln -s /moved /link && ln /moved /hard\n\
        RUN rm -rf /src/a && sed -i s/2/two/ /moved && sort /moved -o /sorted && gzip /sorted\n\
        RUN printf '#!/bin/sh\\necho made > /made\\n' > /bin/mytool && chmod +x /bin/mytool\n";
    let trace = |text: &str| -> (Option<i32>, serde_json::Value) {
        std::fs::write(&df, text).unwrap();
        let mut cmd = cargo_bin_cmd!("rdock");
        cmd.args(["trace", "--output-format", "json"])
            .args(&images)
            .arg(&df);
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let v = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), v)
    };
    let (code, v) = trace(base);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5, "{v}");
    for s in steps {
        assert_eq!(s["model"]["opaque"], serde_json::Value::Null, "{s}");
        assert_eq!(
            s["model"]["unmodelled_writes"],
            serde_json::json!([]),
            "{s}"
        );
        assert_eq!(
            s["model"]["unmodelled_deletes"],
            serde_json::json!([]),
            "{s}"
        );
    }
    assert_eq!(code, Some(0), "{v}");
    let paths = |i: usize, k: &str| -> Vec<String> {
        steps[i][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        paths(0, "wrote"),
        ["/src", "/src/a", "/src/a/b", "/src/a/b/f", "/src/top"]
    );
    assert!(paths(1, "wrote").contains(&"/dst/a/b/f".to_string()), "{v}");
    assert!(
        paths(1, "wrote").contains(&"/tmp/src.tgz".to_string()),
        "{v}"
    );
    assert_eq!(paths(2, "deleted"), ["/src/top"]);
    assert!(paths(2, "wrote").contains(&"/link".to_string()), "{v}");
    assert_eq!(paths(3, "deleted"), ["/src/a"], "{v}");
    assert!(paths(3, "wrote").contains(&"/sorted.gz".to_string()), "{v}");

    // A model that says less than what happened.
    std::fs::write(
        dir.path().join(".rdock.toml"),
        "[[command]]\nname = \"mytool\"\nkind = \"pure\"\n",
    )
    .unwrap();
    let (code, v) = trace(&format!("{base}RUN mytool\n"));
    let last = &v["steps"][5];
    assert_eq!(last["wrote"], serde_json::json!(["/made"]), "{v}");
    assert_eq!(
        last["model"]["unmodelled_writes"],
        serde_json::json!(["/made"]),
        "{v}"
    );
    assert_eq!(code, Some(1), "{v}");
}
