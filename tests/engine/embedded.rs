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

/// `FROM --platform`: this machine's platform builds (`$BUILDPLATFORM`,
/// `linux/amd64`); another one is an error that names the flag and what it
/// came to, never an image of the wrong platform.
#[test]
fn embedded_builds_only_for_its_own_platform() {
    let Some(images) = embedded("embedded_builds_only_for_its_own_platform", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let ok = file(
        "ok.Dockerfile",
        "FROM --platform=$BUILDPLATFORM busybox AS b\nRUN echo hi > /x\n\
         FROM --platform=linux/amd64 busybox\nCOPY --from=b /x /x\n",
    );
    let run = verify_embedded(&[ok.clone(), "--against".into(), ok], &images);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["verdict"], "match", "{}", run.stdout);

    let other = file(
        "arm.Dockerfile",
        "ARG TARGETPLATFORM\nFROM --platform=$TARGETPLATFORM busybox\nRUN echo hi > /x\n",
    );
    let mut args = vec![other.clone(), "--against".into(), other];
    args.extend(["--build-arg".into(), "TARGETPLATFORM=linux/arm64".into()]);
    let run = verify_embedded(&args, &images);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(
        said.contains("FROM --platform=`$TARGETPLATFORM` (`linux/arm64`)")
            && said.contains("linux/amd64 only"),
        "{said}"
    );
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

/// The hand-over of RD501 (a file of another stage bound at a top-level
/// mount point, copied in, deleted in the same RUN) builds the same image
/// as the original, of the same size, on the embedded engine too; the same
/// split with COPY --from is reported as larger.
#[test]
fn embedded_handover_keeps_the_image_size() {
    let Some(images) = embedded("embedded_handover_keeps_the_image_size", BUSYBOX) else {
        return;
    };
    let _g = engine_lock();
    let file = fixture("fixes/handover.Dockerfile");
    let by_copy = fixture("fixes/handover-by-copy.Dockerfile");
    let bytes = |v: &serde_json::Value, side: &str| v[side]["image_bytes"].as_u64().unwrap_or(0);
    let v = verify_embedded(std::slice::from_ref(&file), &images).json();
    assert_eq!(v["verdict"], "match", "{v}");
    assert_eq!(v["image_larger"], false, "{v}");
    assert!(bytes(&v, "original") > 0, "{v}");
    let v = verify_embedded(&[file, "--against".into(), by_copy], &images).json();
    assert_eq!(v["verdict"], "match", "{v}");
    assert_eq!(v["image_larger"], true, "{v}");
    assert!(
        bytes(&v, "rewrite") >= bytes(&v, "original") + 40_000_000,
        "{v}"
    );
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
        RUN printf '#!/bin/sh\\ncat /sorted.gz > /dev/null\\necho made > /made\\n' > /bin/mytool && chmod +x /bin/mytool\n";
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
    // It also read what an earlier step wrote, and its model sees no dependence.
    assert_eq!(
        last["model"]["unmodelled_reads"],
        serde_json::json!(["/sorted.gz ([stage-0 5/7] RUN rm -rf /src/a && sed -i s/2/two/ /moved && sort /moved -o /sorted && gzip /sorted)"]),
        "{v}"
    );
    assert!(
        last["read"]
            .as_array()
            .unwrap()
            .contains(&"/bin/mytool".into()),
        "{v}"
    );
    assert_eq!(code, Some(1), "{v}");
}

/// Commands with a model that no traced case here runs, and why.
const UNTRACED: &[(&str, &str)] = &[
    ("apk", "no Alpine image here"),
    ("yum", "no Red Hat image here"),
    ("dnf", "no Red Hat image here"),
    ("microdnf", "no Red Hat image here"),
    ("rpm", "no Red Hat image here"),
    ("zypper", "no SUSE image here"),
    ("pacman", "no Arch image here"),
    (
        "pip install",
        "a shared-state barrier; needs Python and an index",
    ),
    (
        "npm install",
        "a shared-state barrier; needs Node and a registry",
    ),
    (
        "cargo install",
        "a shared-state barrier; needs Rust and a registry",
    ),
    (
        "return",
        "runs only inside a shell function, and rdock has no model of calling one",
    ),
];

/// The commands modelled in Rust (src/parallel/effects/files.rs): their
/// effects turn on their flags.
const CODED_MODELS: &[&str] = &[
    "mkdir", "rm", "rmdir", "ln", "chmod", "chown", "chgrp", "touch", "cp", "mv", "install",
    "gzip", "gunzip", "zcat", "tar", "sed", "tee", "env", "nice", "nohup", "timeout", "stdbuf",
    "sh", "bash", "dash", "ash", "wget", "find",
];

/// Traced cases on Debian: the commands each runs, and the RUN. The first
/// step writes the inputs, so a model that misses a read of them is caught
/// by the trace's reads. A case reads the inputs through one command only
/// (reads are traced per step) and writes its own outputs in /tmp, which
/// the image has: no case depends on another, or on the first step, except
/// through what its own command reads.
const DEBIAN_CASES: &[(&[&str], &str)] = &[
    (
        &["mkdir", "printf", "echo", "touch"],
        "mkdir -p /in/d /in/rmd && printf 'b\\na\\nc\\n' > /in/f && printf 'x:y\\n' > /in/kv \
         && echo t > /in/d/t && tar -cf /in/t.tar -C /in f kv && gzip -c /in/f > /in/f.gz \
         && touch /in/mvf /in/lnf /in/c1 /in/c2 /in/c3 /in/rmf /in/gzf && echo a > /in/sedf",
    ),
    (&["sleep"], "sleep 0"),
    (&["true", "false"], "false || true"),
    (&[":"], ":"),
    (&["test"], "test -f /in/f"),
    (&["["], "[ -s /in/kv ]"),
    (
        &["set", "export"],
        "set -e; export A=1; echo \"$A\" > /tmp/export",
    ),
    (&["cat"], "cat /in/f > /tmp/cat"),
    (&["ls"], "ls /in/d > /tmp/ls"),
    (&["sha256sum"], "sha256sum /in/f > /tmp/sha256"),
    (&["md5sum"], "md5sum /in/f > /tmp/md5"),
    (&["sha1sum"], "sha1sum /in/f > /tmp/sha1"),
    (&["sha224sum"], "sha224sum /in/f > /tmp/sha224"),
    (&["sha384sum"], "sha384sum /in/f > /tmp/sha384"),
    (&["sha512sum"], "sha512sum /in/f > /tmp/sha512"),
    (&["b2sum"], "b2sum /in/f > /tmp/b2"),
    (&["cksum"], "cksum /in/f > /tmp/cksum"),
    (
        &["basename", "dirname"],
        "basename /in/f > /tmp/basename && dirname /in/f > /tmp/dirname",
    ),
    (&["cut"], "cut -d: -f1 /in/kv > /tmp/cut"),
    (&["date"], "date -u +%Y > /tmp/date"),
    (
        &["env"],
        "env > /tmp/env && env A=1 cat /in/f > /tmp/envcat",
    ),
    (&["exit"], "exit 0"),
    (&["getconf"], "getconf PAGESIZE > /tmp/getconf"),
    (&["grep"], "grep a /in/f > /tmp/grep"),
    (&["head"], "head -n1 /in/f > /tmp/head"),
    (&["tail"], "tail -n1 /in/f > /tmp/tail"),
    (&["wc"], "wc -l /in/f > /tmp/wc"),
    (
        &["id", "whoami", "nproc", "pwd", "uname", "which"],
        "id > /tmp/id && whoami > /tmp/whoami && nproc > /tmp/nproc && pwd > /tmp/pwd \
         && uname -m > /tmp/uname && which sh > /tmp/which",
    ),
    (&["sort"], "sort /in/f -o /tmp/sort"),
    (&["seq"], "seq 1 3 > /tmp/seq"),
    (&["find"], "find /in -name f -type f > /tmp/find"),
    (&["stat"], "stat -c %s /in/f > /tmp/stat"),
    (&["tr"], "tr a-z A-Z < /in/f > /tmp/tr"),
    (&["dpkg"], "dpkg --print-architecture > /tmp/dpkg"),
    (&["mkdir"], "mkdir -p /in/m/n && mkdir /tmp/m1"),
    (&["cp"], "cp /in/f /tmp/cp"),
    (&["cp"], "cp -r /in/d /tmp/cpr"),
    (&["install"], "install -m 644 /in/f /tmp/install"),
    (&["install"], "install -d /in/installd"),
    (&["mv"], "mv /in/mvf /tmp/moved"),
    (&["ln"], "ln -s /in/f /tmp/lns && ln /in/lnf /tmp/lnh"),
    (
        &["chmod", "chown", "chgrp"],
        "chmod 600 /in/c1 && chown 1:1 /in/c2 && chgrp 1 /in/c3",
    ),
    (&["rm", "rmdir"], "rm /in/rmf && rmdir /in/rmd"),
    (&["gzip"], "gzip -c /in/f > /tmp/gz"),
    (&["gzip"], "gzip /in/gzf"),
    (&["gunzip"], "gunzip -c /in/f.gz > /tmp/gunzip"),
    (&["zcat"], "zcat /in/f.gz > /tmp/zcat"),
    (&["tar"], "mkdir /tmp/x && tar -xf /in/t.tar -C /tmp/x"),
    (&["tar"], "tar -cf /tmp/t2.tar -C /in/d ."),
    (&["sed"], "sed -i s/a/A/ /in/sedf"),
    (&["tee"], "tee /tmp/tee < /in/f > /dev/null"),
    (&["nice"], "nice -n 1 cat /in/f > /tmp/nice"),
    (&["nohup"], "nohup cat /in/f > /tmp/nohup"),
    (&["timeout"], "timeout 5 cat /in/f > /tmp/timeout"),
    (&["stdbuf"], "stdbuf -o0 cat /in/f > /tmp/stdbuf"),
    (&["bash"], "bash -c 'cat /in/f > /tmp/bash'"),
    (&["dash"], "dash -c 'cat /in/f > /tmp/dash'"),
    (&["sh"], "sh -c 'cat /in/f > /tmp/sh'"),
    // Barriers: rdock says they change state every step shares.
    (
        &["useradd", "groupadd", "usermod"],
        "useradd -r u1 && groupadd g1 && usermod -a -G g1 u1",
    ),
    (
        &["adduser", "addgroup"],
        "adduser --system u2 && addgroup --system g2",
    ),
    (&["ldconfig"], "ldconfig"),
];

/// Traced cases on busybox, with the host's network (a file server on
/// loopback for `wget`).
const BUSYBOX_CASES: &[(&[&str], &str)] = &[
    (&["mkdir", "cp"], "mkdir -p /in && cp /a.zip /in/a.zip"),
    (&["unzip"], "unzip -d /tmp/z /in/a.zip"),
    (
        &["wget"],
        "wget -q -O /tmp/w http://127.0.0.1:PORT/a && mkdir /tmp/wp \
         && wget -q -P /tmp/wp http://127.0.0.1:PORT/b",
    ),
    // `-O -` is the output, not a file: what the pipeline writes is tee's.
    (
        &["wget", "tee"],
        "wget -q -O - http://127.0.0.1:PORT/a | tee /tmp/wt > /dev/null",
    ),
    (&["ash"], "ash -c 'cat /in/a.zip > /tmp/ash'"),
];

/// Traced cases on Debian with curl, git and unzip (`rdock-test/debian-tools:12`,
/// scripts/engine.sh), with the host's network (a file server and a `git
/// daemon` serving the context's repository on loopback).
/// The first step copies in what the build context brings: a git
/// repository and a zip archive. The last ones install, upgrade, remove and
/// clean a package built with `dpkg-deb` (no model: a barrier), first from
/// the file, then from a flat repository of it.
const TOOLS_CASES: &[(&[&str], &str)] = &[
    (&["mkdir", "cp"], "mkdir -p /in && cp -r /ctx/repo /in/repo && cp /ctx/a.zip /in/a.zip"),
    (&["curl"], "curl -fsS -o /tmp/curl-o http://127.0.0.1:PORT/a"),
    (&["curl"], "curl -fsS http://127.0.0.1:PORT/a > /tmp/curl-out"),
    (&["git clone"], "git clone -q git://127.0.0.1:GITPORT/repo /tmp/clone"),
    // No model: a clone of a local path hard-links the source's objects,
    // which the trace shows as writes to the source repository.
    (&["git clone (local)"], "git clone -q /in/repo /tmp/clone-local"),
    (&["unzip"], "unzip -q -d /tmp/z /in/a.zip"),
    (&["update-ca-certificates"], "update-ca-certificates"),
    (
        &["dpkg-deb"],
        "mkdir -p /pkg/DEBIAN && printf 'Package: rdock-x\\nVersion: 1\\nArchitecture: all\\nMaintainer: r <r@r>\\nDescription: x\\n' > /pkg/DEBIAN/control && dpkg-deb --build /pkg /x.deb",
    ),
    // Package installs (`kind = "install"`): the trace holds them to the
    // package trees. A flat repository of the package is apt's only
    // source, so nothing comes from the network.
    (&["apt-get install"], "apt-get install -y -q /x.deb"),
    (&["apt remove"], "apt remove -y -q rdock-x"),
    (
        &["dpkg-deb"],
        "mkdir -p /repo && cp /x.deb /repo/ && cd /repo && { dpkg-deb -f x.deb; echo Filename: ./x.deb; echo Size: $(stat -c %s x.deb); echo SHA256: $(sha256sum x.deb | cut -d' ' -f1); } > Packages && rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] file:/repo ./' > /etc/apt/sources.list.d/r.list",
    ),
    (&["apt-get update"], "apt-get update -q"),
    (&["apt update"], "apt update -q"),
    (&["apt-get upgrade"], "apt-get upgrade -y -q"),
    (&["apt-get dist-upgrade"], "apt-get dist-upgrade -y -q"),
    (&["apt-get full-upgrade"], "apt-get full-upgrade -y -q"),
    (&["apt upgrade"], "apt upgrade -y -q"),
    (&["apt full-upgrade"], "apt full-upgrade -y -q"),
    (&["apt install"], "apt install -y -q rdock-x"),
    (&["apt-get remove"], "apt-get remove -y -q rdock-x"),
    (&["apt-get install"], "apt-get install -y -q rdock-x"),
    (&["apt-get purge"], "apt-get purge -y -q rdock-x"),
    (&["apt install"], "apt install -y -q rdock-x"),
    (&["apt purge"], "apt purge -y -q rdock-x"),
    (&["apt-get autoremove"], "apt-get autoremove -y -q"),
    (&["apt autoremove"], "apt autoremove -y -q"),
    (&["apt-get autoclean"], "apt-get autoclean -q"),
    (&["apt-get clean"], "apt-get clean"),
    (&["apt clean"], "apt clean"),
    // Other subcommands change shared state as far as rdock knows: barriers.
    (&["apt-get"], "apt-get check -q"),
    (&["apt"], "apt show -q rdock-x"),
];

/// Serve `body` for every request on a loopback port, for as long as the test runs.
fn file_server(body: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        }
    });
    port
}

/// `git daemon` on a loopback port, serving a repository `repo`, stopped
/// when dropped.
struct GitDaemon {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl GitDaemon {
    fn start() -> GitDaemon {
        let dir = tempfile::tempdir().unwrap();
        make_repo(dir.path());
        let port = free_port();
        // `git daemon` runs the daemon as a child of its own: a process
        // group of their own, killed whole, and no pipe of the test's held.
        use std::os::unix::process::CommandExt;
        let child = Command::new("git")
            .args([
                "daemon",
                "--export-all",
                "--reuseaddr",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", dir.path().display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .expect("git daemon");
        wait_listening(&format!("127.0.0.1:{port}"), "git daemon");
        GitDaemon {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        // SAFETY: a signal to the process group the daemon leads.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A git repository `repo` in `dir`, with one commit.
fn make_repo(dir: &Path) {
    let git = |args: &[&str]| {
        let ok = Command::new("git").arg("-C").arg(dir).args(args).status();
        assert!(ok.is_ok_and(|s| s.success()), "git {args:?}");
    };
    git(&["init", "-q", "repo"]);
    git(&[
        "-C",
        "repo",
        "-c",
        "user.name=r",
        "-c",
        "user.email=r@r",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "r",
    ]);
}

/// A zip archive holding `z/a.txt` ("zip\n"), stored.
const ZIP: &[u8] = &[
    80, 75, 3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 33, 80, 163, 255, 42, 173, 4, 0, 0, 0, 4, 0, 0, 0, 7, 0,
    0, 0, 122, 47, 97, 46, 116, 120, 116, 122, 105, 112, 10, 80, 75, 1, 2, 20, 3, 20, 0, 0, 0, 0,
    0, 0, 0, 33, 80, 163, 255, 42, 173, 4, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    128, 1, 0, 0, 0, 0, 122, 47, 97, 46, 116, 120, 116, 80, 75, 5, 6, 0, 0, 0, 0, 1, 0, 1, 0, 53,
    0, 0, 0, 41, 0, 0, 0, 0, 0,
];

/// Trace `cases` (one RUN each, after `head`) and hold every step's model
/// to what it did: a model covers the writes, deletions and reads the
/// trace shows (`rdock trace` exits 0), and a step is a barrier exactly
/// when its commands change shared state.
/// `ports`: placeholders in the cases (`PORT`) and the loopback ports they stand for.
fn trace_cases(
    images: &[String],
    head: &str,
    cases: &[(&[&str], &str)],
    extra: &[&str],
    ports: &[(&str, u16)],
) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.zip"), ZIP).unwrap();
    // A git repository to clone from a path.
    make_repo(dir.path());
    let mut text = head.to_string();
    for (_, run) in cases {
        let run = ports.iter().fold(run.to_string(), |r, (name, port)| {
            r.replace(name, &port.to_string())
        });
        text.push_str(&format!("RUN {run}\n"));
    }
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, &text).unwrap();
    let out = cargo_bin_cmd!("rdock")
        .args(["trace", "--output-format", "json"])
        .args(extra)
        .args(images)
        .arg(&df)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), cases.len(), "{v}");
    for (s, (names, run)) in steps.iter().zip(cases) {
        let barrier = names.iter().any(|n| {
            [
                "useradd",
                "groupadd",
                "usermod",
                "adduser",
                "addgroup",
                "ldconfig",
                "update-ca-certificates",
                "apt-get",
                "apt",
                // Steps without a model.
                "dpkg-deb",
                "git clone (local)",
            ]
            .contains(n)
        });
        let m = &s["model"];
        assert_eq!(m["opaque"].is_null(), !barrier, "{run}: {s}");
        for k in [
            "unmodelled_writes",
            "unmodelled_deletes",
            "unmodelled_reads",
        ] {
            assert_eq!(m[k], serde_json::json!([]), "{run}: {k}: {s}");
        }
        assert!(
            s["read"].as_array().is_some_and(|r| !r.is_empty()),
            "a step runs a program, so it reads one: {s}"
        );
    }
    assert_eq!(out.status.code(), Some(0), "{v}");
}

#[test]
fn every_command_model_has_a_traced_case_that_it_covers() {
    // Every model in rules/commands/*.toml and every command modelled in
    // Rust has a case below or a reason in UNTRACED.
    let mut models: BTreeSet<String> = CODED_MODELS.iter().map(|s| s.to_string()).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/commands");
    for e in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        for c in doc
            .get("command")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            models.insert(c["name"].as_str().unwrap().to_string());
        }
    }
    assert!(models.len() > 80, "{models:?}");
    let traced: BTreeSet<&str> = DEBIAN_CASES
        .iter()
        .chain(BUSYBOX_CASES)
        .chain(TOOLS_CASES)
        .flat_map(|(names, _)| names.iter().copied())
        .collect();
    let missing: Vec<&String> = models
        .iter()
        .filter(|m| {
            // An untraced tool covers its subcommands' models (`apk add`).
            let tool = m.split(' ').next().unwrap_or(m);
            !traced.contains(m.as_str()) && !UNTRACED.iter().any(|(u, _)| u == m || *u == tool)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "models without a traced case: {missing:?}"
    );

    let Some(debian) = embedded(
        "every_command_model_has_a_traced_case_that_it_covers",
        &[("debian:12.4", "debian-12.4")],
    ) else {
        return;
    };
    let Some(busybox) = embedded(
        "every_command_model_has_a_traced_case_that_it_covers",
        BUSYBOX,
    ) else {
        return;
    };
    let Some(tools) = embedded(
        "every_command_model_has_a_traced_case_that_it_covers",
        &[("rdock-test/debian-tools:12", "debian-tools")],
    ) else {
        return;
    };
    let _g = engine_lock();
    trace_cases(&debian, "FROM debian:12.4\n", DEBIAN_CASES, &[], &[]);
    let port = file_server(b"served\n");
    let network = ["--network", "host"];
    trace_cases(
        &busybox,
        "FROM busybox\nCOPY a.zip /a.zip\n",
        BUSYBOX_CASES,
        &network,
        &[("PORT", port)],
    );
    let git = GitDaemon::start();
    // GITPORT first: PORT is part of it.
    trace_cases(
        &tools,
        "FROM rdock-test/debian-tools:12\nCOPY repo /ctx/repo\nCOPY a.zip /ctx/a.zip\n",
        TOOLS_CASES,
        &network,
        &[("GITPORT", git.port), ("PORT", port)],
    );
}

#[test]
fn a_trace_offers_a_split_the_models_cannot_prove_and_verify_confirms_it() {
    let Some(images) = embedded(
        "a_trace_offers_a_split_the_models_cannot_prove_and_verify_confirms_it",
        BUSYBOX,
    ) else {
        return;
    };
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    // `build-thing` is a tool rdock has no model of: only a trace can tell
    // that its two runs touch separate files.
    let head = "FROM busybox\n\
        RUN printf '#!/bin/sh\\nsleep 1\\nmkdir -p /out/$1\\necho \"$1\" > /out/$1/result\\n' > /bin/build-thing \
        && printf '#!/bin/sh\\ncat /out/a/result > /out/c\\n' > /bin/use-a \
        && chmod +x /bin/build-thing /bin/use-a && mkdir /out\n\
        RUN build-thing a\n";
    let trace = |name: &str, text: &str| -> (serde_json::Value, PathBuf, PathBuf) {
        let df = dir.path().join(name);
        std::fs::write(&df, text).unwrap();
        let out_file = dir.path().join(format!("{name}.split"));
        let out = cargo_bin_cmd!("rdock")
            .args(["trace", "--output-format", "json", "--propose"])
            .arg(&out_file)
            .args(&images)
            .arg(&df)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (serde_json::from_str(&stdout).unwrap(), df, out_file)
    };

    let text =
        format!("{head}RUN build-thing b\nRUN cat /out/a/result /out/b/result > /out/both\n");
    let (v, df, split) = trace("Dockerfile", &text);
    let ps = v["proposals"].as_array().unwrap();
    assert_eq!(ps.len(), 1, "{v}");
    let caveat = ps[0]["unsafe"].as_str().unwrap_or_default();
    assert!(
        caveat.contains("line 3, 4") && caveat.contains("rdock verify"),
        "{v}"
    );
    let rewritten = std::fs::read_to_string(&split).unwrap();
    assert!(
        rewritten.contains("FROM base AS a\nRUN build-thing a\n"),
        "{rewritten}"
    );
    assert!(
        rewritten.contains("COPY --from=b /out/b /out/b\n"),
        "{rewritten}"
    );
    // The rewrite builds the same image.
    let run = verify_embedded(
        &[
            df.to_string_lossy().into(),
            "--against".into(),
            split.to_string_lossy().into(),
        ],
        &images,
    );
    let v = run.json();
    assert_eq!(v["verdict"], "match", "{v}");

    // The trace shows the second step reading what the first wrote: no split.
    let (v, _, split) = trace("Dependent", &format!("{head}RUN use-a\n"));
    assert_eq!(v["proposals"], serde_json::json!([]), "{v}");
    assert_eq!(
        std::fs::read_to_string(split).unwrap(),
        format!("{head}RUN use-a\n")
    );
}

/// A registry of Debian's `docker-registry` on a loopback port, its
/// storage in `dir`, stopped when dropped.
struct Registry {
    child: std::process::Child,
    addr: String,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registry(dir: &Path, auth: &str) -> Registry {
    let addr = format!("127.0.0.1:{}", free_port());
    let config = dir.join("registry.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n{auth}",
            dir.join("data").display()
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("docker-registry (Debian's package; scripts/engine.sh installs it)");
    wait_listening(&addr, "the registry");
    Registry { child, addr }
}

/// A loopback port free at the time of asking, for a server started next.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Wait until a server accepts connections on `addr` (20 s at most).
fn wait_listening(addr: &str, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not start on {addr}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn embedded_pulls_a_base_image_from_a_registry_once() {
    let test = "embedded_pulls_a_base_image_from_a_registry_once";
    let Some(images) = embedded(test, BUSYBOX) else {
        return;
    };
    if !registry_tools(test, &["docker-registry", "skopeo"]) {
        return;
    }
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let reg = registry(dir.path(), "");
    // Put the busybox layout in the registry with another client.
    let image = push_busybox(&images, &reg);

    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, format!("FROM {image}\nRUN echo pulled > /x\n")).unwrap();
    let cache = dir.path().join("cache");
    let verify = || verify_in_cache(&df, &cache, &[]);
    verify();
    // The layer is kept by its digest, checked as it arrived.
    let blobs: Vec<PathBuf> = std::fs::read_dir(cache.join("embedded/blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    let bytes = std::fs::read(&blobs[0]).unwrap();
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(blobs[0].file_name().unwrap().to_string_lossy(), digest);
    let before = std::fs::metadata(&blobs[0]).unwrap().modified().unwrap();
    // A second build does not download the layer again.
    verify();
    assert_eq!(
        std::fs::metadata(&blobs[0]).unwrap().modified().unwrap(),
        before
    );

    // No such image: the error says what was tried.
    std::fs::write(&df, format!("FROM {}/rdock/nothing:1\n", reg.addr)).unwrap();
    let out = cargo_bin_cmd!("rdock")
        .args(["verify", "--engine", "embedded"])
        .arg(&df)
        .arg("--against")
        .arg(&df)
        .env("RDOCK_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--image")
            && stderr.contains(&format!("pulling `{}/rdock/nothing:1`", reg.addr)),
        "{stderr}"
    );
}

/// Whether the tools a registry test needs are installed; if not, the test
/// is skipped, saying why (or fails under `RDOCK_REQUIRE_ENGINE=1`).
fn registry_tools(test: &str, tools: &[&str]) -> bool {
    let Some(t) = tools.iter().find(|t| which(t).is_none()) else {
        return true;
    };
    if std::env::var("RDOCK_REQUIRE_ENGINE").as_deref() == Ok("1") {
        panic!("{test}: no `{t}` (scripts/engine.sh installs it), and RDOCK_REQUIRE_ENGINE=1 requires it");
    }
    crate::common::skip(test, &format!("no `{t}`; scripts/engine.sh installs it"));
    false
}

/// Push the busybox layout of `images` to `reg` with skopeo (another
/// client than rdock's); the image's name there.
fn push_busybox(images: &[String], reg: &Registry) -> String {
    let layout = images[1].split_once('=').unwrap().1;
    let image = format!("{}/rdock/busybox:1", reg.addr);
    let push = Command::new("skopeo")
        .args(["copy", "--dest-tls-verify=false"])
        .arg(format!("oci:{layout}"))
        .arg(format!("docker://{image}"))
        .output()
        .unwrap();
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    image
}

/// A base image whose layers are zstd-compressed, as more registries now
/// serve them: skopeo (another client than rdock's) recompresses the
/// busybox layout, and the embedded engine builds on it.
#[test]
fn embedded_reads_zstd_layers() {
    let test = "embedded_reads_zstd_layers";
    let Some(images) = embedded(test, BUSYBOX) else {
        return;
    };
    if !registry_tools(test, &["skopeo"]) {
        return;
    }
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let layout = images[1].split_once('=').unwrap().1;
    let zstd = dir.path().join("busybox-zstd");
    let copy = Command::new("skopeo")
        .args(["copy", "--dest-compress-format", "zstd"])
        .arg(format!("oci:{layout}"))
        .arg(format!("oci:{}:latest", zstd.display()))
        .output()
        .unwrap();
    assert!(
        copy.status.success(),
        "{}",
        String::from_utf8_lossy(&copy.stderr)
    );
    // The copy really is zstd.
    let blob = |digest: &str| {
        zstd.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let json = |p: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let index = json(zstd.join("index.json"));
    let manifest = json(blob(index["manifests"][0]["digest"].as_str().unwrap()));
    let layers = manifest["layers"].as_array().unwrap();
    assert!(!layers.is_empty());
    for l in layers {
        assert_eq!(
            l["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd",
            "{manifest}"
        );
    }
    let df = dir.path().join("Dockerfile");
    std::fs::write(
        &df,
        "FROM busybox\nRUN echo built > /built && test -x /bin/busybox\n",
    )
    .unwrap();
    // Its own cache: the gzip busybox unpacked by other tests is the same
    // image (the same configuration), and would be taken instead.
    verify_in_cache(
        &df,
        &dir.path().join("cache"),
        &["--image".into(), format!("busybox={}", zstd.display())],
    );
}

/// `rdock verify --engine embedded DF --against DF` with `cache` as rdock's
/// cache folder and the `images` given: the verdict must be a match.
fn verify_in_cache(df: &Path, cache: &Path, images: &[String]) {
    let out = cargo_bin_cmd!("rdock")
        .args(["verify", "--engine", "embedded", "--output-format", "json"])
        .args(images)
        .arg(df)
        .arg("--against")
        .arg(df)
        .env("RDOCK_CACHE_DIR", cache)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["verdict"], "match", "{v}");
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

/// A signed JWT (RS256) for a registry with token authentication: the
/// header carries the certificate (`x5c`) the registry trusts.
fn registry_token(dir: &Path, service: &str, issuer: &str, repo: &str) -> String {
    use base64::Engine as _;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let der = Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(dir.join("cert.pem"))
        .output()
        .unwrap()
        .stdout;
    let header = serde_json::json!({
        "typ": "JWT",
        "alg": "RS256",
        "x5c": [base64::engine::general_purpose::STANDARD.encode(der)],
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({
        "iss": issuer, "sub": "", "aud": service, "jti": "1",
        "iat": now, "nbf": now - 60, "exp": now + 3600,
        "access": [{"type": "repository", "name": repo, "actions": ["pull", "push"]}],
    });
    let signing = format!(
        "{}.{}",
        url.encode(header.to_string()),
        url.encode(claims.to_string())
    );
    let mut sign = Command::new("openssl")
        .args(["dgst", "-sha256", "-binary", "-sign"])
        .arg(dir.join("key.pem"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    sign.stdin
        .take()
        .unwrap()
        .write_all(signing.as_bytes())
        .unwrap();
    let sig = sign.wait_with_output().unwrap().stdout;
    format!("{signing}.{}", url.encode(sig))
}

#[test]
fn embedded_pulls_through_the_bearer_token_flow() {
    let test = "embedded_pulls_through_the_bearer_token_flow";
    let Some(images) = embedded(test, BUSYBOX) else {
        return;
    };
    if !registry_tools(test, &["docker-registry", "skopeo", "openssl"]) {
        return;
    }
    let _g = engine_lock();
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=rdock-test-token"])
        .arg("-keyout")
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (service, issuer) = ("rdock-test-registry", "rdock-test-issuer");
    let token = registry_token(dir.path(), service, issuer, "rdock/busybox");
    // The token service Docker Hub's flow asks (auth.docker.io there): it
    // hands out the signed token and records what was asked for.
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    {
        let asked = std::sync::Arc::clone(&asked);
        let body = serde_json::json!({ "token": token, "access_token": token, "expires_in": 3600 })
            .to_string();
        std::thread::spawn(move || {
            use std::io::{BufRead, Write};
            for mut s in listener.incoming().flatten() {
                let mut line = String::new();
                let _ = std::io::BufReader::new(&s).read_line(&mut line);
                asked.lock().unwrap().push(line.trim().to_string());
                let _ = write!(
                    s,
                    "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
    }
    let auth = format!(
        "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
        dir.path().join("cert.pem").display()
    );
    let reg = registry(dir.path(), &auth);
    // skopeo pushes through the same flow (with push access).
    let image = push_busybox(&images, &reg);
    let before = asked.lock().unwrap().len();

    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, format!("FROM {image}\nRUN echo pulled > /x\n")).unwrap();
    verify_in_cache(&df, &dir.path().join("cache"), &[]);
    let asked = asked.lock().unwrap();
    assert!(
        asked[before..]
            .iter()
            .any(|l| l.contains("scope=repository%3Ardock%2Fbusybox%3Apull")
                && l.contains(&format!("service={service}"))),
        "rdock asked the token service for: {:?}",
        &asked[before..]
    );
}
