//! Hostile input: each case gets a clear error or a finding in bounded time
//! and memory (the measured bounds are in docs/limits.md). Time limits here
//! are generous (a loaded CI machine, a debug build) but far below what the
//! quadratic paths these tests guard against took.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;

/// The fuzz target `generated`'s Dockerfile generator.
#[path = "../../fuzz/fuzz_targets/generate.rs"]
mod generate;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn lint(dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let out = cargo_bin_cmd!("rdock")
        .current_dir(dir)
        .args([
            "lint",
            "--no-config",
            "--select",
            "ALL",
            // The synthetic files have no HEALTHCHECK; the tests count
            // other findings exactly.
            "--ignore",
            "RD443",
            "--output-format",
            "concise",
        ])
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("run rdock");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: start.elapsed(),
    }
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).expect("write");
}

/// 50,000 stages, each copying from the one two before it: every other stage
/// is unreachable from the last (one finding each), and stage 0 copies from
/// itself. Linear time. Resolving
/// stage names and building each deletion fix used to scan every stage for
/// every stage (over 300 s for 100,000 stages).
#[test]
fn many_stages_are_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n: usize = 50_000;
    let text: String = (0..n)
        .map(|i| {
            format!(
                "FROM alpine:3 AS s{i}\nCOPY --from=s{} /x /x\n",
                i.saturating_sub(2)
            )
        })
        .collect();
    write(dir.path(), "Dockerfile", text);
    let run = lint(dir.path(), &["Dockerfile"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Found 25000 problems (1 error, 24999 warnings)."),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(300)..]
    );
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

#[test]
fn heredoc_that_never_ends_is_a_syntax_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("FROM alpine:3\nRUN <<EOF\n{}", "echo hi\n".repeat(100_000));
    write(dir.path(), "Dockerfile", text);
    let run = lint(dir.path(), &["Dockerfile"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout
            .contains("Dockerfile:2:5: RD001 unterminated heredoc `EOF`"),
        "{}",
        run.stdout
    );
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

#[test]
fn ten_megabyte_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("FROM alpine:3\nRUN echo {}\n", "a".repeat(10 << 20));
    write(dir.path(), "Dockerfile", text);
    let run = lint(dir.path(), &["Dockerfile"]);
    // Too long a RUN body for the shell analysis: said, not parsed.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("RD305 rdock does not analyse this RUN: the script is"),
        "{}",
        run.stdout
    );
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

#[test]
fn deeply_nested_shell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = 10_000;
    let cases = [
        (
            "subst",
            format!("{}true{}", "echo $(".repeat(d), ")".repeat(d)),
        ),
        ("paren", format!("{}true{}", "(".repeat(d), ")".repeat(d))),
        (
            "if",
            format!("{}true{}", "if true; then ".repeat(d), "; fi".repeat(d)),
        ),
        (
            "brace",
            format!("{}true; {}", "{ ".repeat(d), "}; ".repeat(d)),
        ),
        ("unclosed", "$(".repeat(d)),
    ];
    for (name, body) in cases {
        write(
            dir.path(),
            &format!("{name}.Dockerfile"),
            format!("FROM alpine:3\nRUN {body}\n"),
        );
    }
    let run = lint(dir.path(), &["."]);
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

#[test]
fn invalid_utf8_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        b"FROM alpine:3\nRUN echo \xff\xfe\n",
    );
    write(dir.path(), "ok.Dockerfile", "FROM alpine:3\n");
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(
            "cannot read `Dockerfile`: it is not valid UTF-8 (first bad byte at offset 23)"
        ),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir(p.join("sub")).expect("mkdir");
    std::os::unix::fs::symlink(".", p.join("sub/loop")).expect("symlink");
    std::os::unix::fs::symlink("Dockerfile", p.join("sub/Dockerfile")).expect("symlink");
    std::os::unix::fs::symlink("b.Dockerfile", p.join("a.Dockerfile")).expect("symlink");
    std::os::unix::fs::symlink("a.Dockerfile", p.join("b.Dockerfile")).expect("symlink");
    write(p, "Dockerfile", "FROM alpine:3\n");
    let run = lint(p, &["."]);
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    for f in ["sub/Dockerfile", "a.Dockerfile", "b.Dockerfile"] {
        assert!(
            run.stderr.contains(&format!("`{f}`")) && run.stderr.contains("symbolic links"),
            "{f}: {}",
            run.stderr
        );
    }
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

/// A named pipe nobody writes to would block a reader forever: rdock
/// refuses it at once, and a device (`/dev/zero` behind a link) too.
#[cfg(unix)]
#[test]
fn pipes_and_devices_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let fifo = std::process::Command::new("mkfifo")
        .arg(p.join("Dockerfile"))
        .status()
        .expect("run mkfifo");
    assert!(fifo.success());
    std::os::unix::fs::symlink("/dev/zero", p.join("zero.Dockerfile")).expect("symlink");
    for f in ["Dockerfile", "zero.Dockerfile"] {
        let run = lint(p, &[f]);
        assert_eq!(run.code, Some(2), "{f}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "cannot read `{f}`: it is not a regular file (a named pipe, socket or device)"
            )),
            "{}",
            run.stderr
        );
        assert!(run.took < Duration::from_secs(30), "took {:?}", run.took);
    }
    // In a directory walk the pipe is not a Dockerfile to read; the link is.
    let run = lint(p, &["."]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(!run.stderr.contains("`Dockerfile`"), "{}", run.stderr);
    assert!(run.stderr.contains("`zero.Dockerfile`"), "{}", run.stderr);
}

/// Every command reads its inputs the way `lint` reads a Dockerfile:
/// `explain-deps` of a device or a pipe, `--config` naming one, and
/// `explain-deps -` of an endless stream end at once with exit 2.
#[cfg(unix)]
#[test]
fn every_command_refuses_pipes_devices_and_endless_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let fifo = std::process::Command::new("mkfifo")
        .arg(p.join("pipe"))
        .status()
        .expect("run mkfifo");
    assert!(fifo.success());
    std::fs::write(p.join("Dockerfile"), "FROM scratch\n").unwrap();
    let runs: [(&[&str], &str); 5] = [
        (
            &["explain-deps", "/dev/zero"],
            "cannot read `/dev/zero`: it is not a regular file",
        ),
        (
            &["explain-deps", "pipe"],
            "cannot read `pipe`: it is not a regular file",
        ),
        (
            &["lint", "--config", "/dev/zero", "Dockerfile"],
            "it is not a regular file",
        ),
        (
            &["lint", "--config", "pipe", "Dockerfile"],
            "it is not a regular file",
        ),
        (
            &["explain-deps", "-"],
            "cannot read standard input: it is too large",
        ),
    ];
    for (args, want) in runs {
        let start = Instant::now();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rdock"))
            .current_dir(p)
            .args(args)
            .stdin(std::fs::File::open("/dev/zero").expect("open /dev/zero"))
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("run rdock");
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if start.elapsed() > Duration::from_secs(120) {
                child.kill().ok();
                panic!("{args:?} did not end");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(start.elapsed() < Duration::from_secs(60), "{args:?}");
    }
}

/// An endless stream on standard input stops at the size limit.
#[test]
fn endless_stdin_stops_at_the_size_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    let zero = std::fs::File::open("/dev/zero").expect("open /dev/zero");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("rdock"))
        .current_dir(dir.path())
        .args(["lint", "--no-config", "-"])
        .stdin(zero)
        .output()
        .expect("run rdock");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "cannot read standard input: it is too large (over 67108864 bytes; the limit is 64 MiB)"
        ),
        "{stderr}"
    );
    assert!(start.elapsed() < Duration::from_secs(60));
}

/// A file the user may not read (tested as an unprivileged user: root reads
/// files whatever their mode).
#[cfg(unix)]
#[test]
fn unreadable_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    write(p, "Dockerfile", "FROM alpine:3\n");
    std::fs::set_permissions(p.join("Dockerfile"), std::fs::Permissions::from_mode(0o000))
        .expect("chmod");
    let bin = assert_cmd::cargo::cargo_bin("rdock");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if is_root {
        // The binary must be reachable by the unprivileged user: copy it out.
        let copy = p.join("rdock");
        std::fs::copy(&bin, &copy).expect("copy the binary");
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(copy);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = match cmd
        .current_dir(p)
        .args(["lint", "--no-config", "Dockerfile"])
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            common::skip(
                "unreadable_file_is_a_clear_error",
                &format!("cannot run setpriv (util-linux) to drop root: {e}"),
            );
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read `Dockerfile`: Permission denied"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: check the path and its permissions"),
        "{stderr}"
    );
}

/// A file-descriptor number that fits no shell made brush-parser panic (exit
/// 101), ending a folder lint: now it is RD305 on that RUN, and the other
/// files of the folder are still reported.
#[test]
fn huge_file_descriptor_numbers_are_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.Dockerfile",
        "FROM busybox:1.36\nRUN 99999999999999999999>x\n",
    );
    write(
        dir.path(),
        "b.Dockerfile",
        "FROM busybox:1.36\nRUN echo 4294967296<&0\n",
    );
    write(dir.path(), "c.Dockerfile", "FROM busybox:1.36 as c\n");
    let run = lint(dir.path(), &["."]);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for (file, code) in [
        ("a.Dockerfile:2", "RD305"),
        ("b.Dockerfile:2", "RD305"),
        ("c.Dockerfile:1", "RD108"),
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.contains(file) && l.contains(code)),
            "{file} {code}:\n{}",
            run.stdout
        );
    }
}

/// `${B:-${B:-...}}` 3,000 deep in every instruction that expands variables
/// overflowed the stack (SIGABRT): now each is linted like any other file.
#[test]
fn deeply_nested_variables_do_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3000;
    let nest = format!("{}x{}", "${B:-".repeat(n), "}".repeat(n));
    for (i, line) in [
        format!("ARG B={nest}"),
        format!("ENV B={nest}"),
        format!("LABEL b={nest}"),
        format!("WORKDIR /{nest}"),
        format!("USER {nest}"),
        format!("EXPOSE {nest}"),
        format!("RUN echo {nest}"),
    ]
    .iter()
    .enumerate()
    {
        write(
            dir.path(),
            &format!("{i}.Dockerfile"),
            format!("FROM busybox:1.36\n{line}\n"),
        );
    }
    write(
        dir.path(),
        "from.Dockerfile",
        format!("ARG B={nest}\nFROM ${{B}}\n"),
    );
    let run = lint(dir.path(), &["."]);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{:?}\n{}",
        run.code,
        run.stderr
    );
}

/// ENV lines that double their value (`V2=$V1$V1`) took 20 s and 2.8 GB for
/// 26 lines: expansion stops at 4 MiB per word.
#[test]
fn doubling_expansions_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("FROM busybox:1.36\nENV V0=abcdefghijklmnopqrstuvwxyz\n");
    for i in 0..40 {
        text.push_str(&format!("ENV V{}=${{V{i}}}${{V{i}}}\n", i + 1));
    }
    text.push_str("ARG A0=abcdefghijklmnopqrstuvwxyz\n");
    for i in 0..40 {
        text.push_str(&format!("ARG A{}=${{A{i}}}${{A{i}}}\n", i + 1));
    }
    write(dir.path(), "Dockerfile", text);
    let run = lint(dir.path(), &["Dockerfile"]);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{:?}\n{}",
        run.code,
        run.stderr
    );
    assert!(run.took < Duration::from_secs(60), "{:?}", run.took);
}

/// The median CPU time (user + system) of three lints of `text` with
/// `format`. CPU time, not wall time: the other tests of this binary run
/// beside it on a 2-core machine, and waiting for a core is not work.
fn median_lint(dir: &Path, text: &str, format: &str) -> Duration {
    let path = dir.join("Dockerfile");
    std::fs::write(&path, text).unwrap();
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rdock"))
                .current_dir(dir)
                .args([
                    "lint",
                    "--no-config",
                    "--select",
                    "ALL",
                    "--output-format",
                    format,
                ])
                .arg("Dockerfile")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("run rdock");
            cpu_time_of(child)
        })
        .collect();
    times.sort();
    times[1]
}

/// Wait for `child` and return the CPU time it used (its own `rusage`:
/// `wait4` on its pid, so other children of this process do not count).
#[cfg(unix)]
fn cpu_time_of(child: std::process::Child) -> Duration {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI calls with valid pointers; the child is ours and not
    // yet waited for (`child` is dropped without waiting).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Time grows with the input, not its square: four times the input may
/// take at most eight times as long (a quadratic path takes sixteen).
/// Compared within one run, so a slow machine slows both sides.
#[cfg(unix)]
#[test]
fn time_grows_linearly_with_runs_envs_and_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    // (what, output format, the file for size n, n)
    type Case = (&'static str, &'static str, fn(usize) -> String, usize);
    let cases: [Case; 3] = [
        (
            "RUN steps in one stage",
            "concise",
            |n| format!("FROM alpine:3.19\n{}", "RUN true\n".repeat(n)),
            4_000,
        ),
        (
            "ENVs reading an ARG",
            "concise",
            |n| {
                let envs: String = (0..n).map(|i| format!("ENV V{i}=$A\n")).collect();
                format!("FROM alpine:3.19\nARG A=1\n{envs}")
            },
            10_000,
        ),
        (
            "findings on one line, full format",
            "full",
            |n| format!("FROM alpine:3.19\nRUN {}\n", vec!["$A"; n].join(" ")),
            5_000,
        ),
    ];
    for (what, format, make, n) in cases {
        let small = median_lint(dir.path(), &make(n), format);
        let large = median_lint(dir.path(), &make(4 * n), format);
        let ratio = large.as_secs_f64() / small.as_secs_f64();
        assert!(
            ratio < 8.0,
            "{what}: {n} took {small:?}, {} took {large:?} ({ratio:.1}x)",
            4 * n
        );
    }
}

/// A bake file's `inherits` are resolved once per target (it was
/// quadratic, and exponential with diamonds, on every lint of the
/// repository): four times the targets may take at most eight times as
/// long. Targets come in families of 100, each inheriting from the two
/// before it.
#[cfg(unix)]
#[test]
fn bake_inherits_resolution_is_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bake = |n: usize| {
        let mut hcl = String::new();
        for i in 0..n {
            let parents = match i % 100 {
                0 => String::from("  dockerfile = \"Dockerfile\"\n"),
                1 => format!("  inherits = [\"t{}\"]\n", i - 1),
                _ => format!("  inherits = [\"t{}\", \"t{}\"]\n", i - 2, i - 1),
            };
            hcl.push_str(&format!("target \"t{i}\" {{\n{parents}}}\n"));
        }
        hcl
    };
    let text = "FROM alpine:3.19 AS base\nRUN true\nFROM base\n";
    let n = 2_000;
    std::fs::write(dir.path().join("docker-bake.hcl"), bake(n)).expect("write");
    let small = median_lint(dir.path(), text, "concise");
    std::fs::write(dir.path().join("docker-bake.hcl"), bake(4 * n)).expect("write");
    let large = median_lint(dir.path(), text, "concise");
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio < 8.0,
        "{n} targets took {small:?}, {} took {large:?} ({ratio:.1}x)",
        4 * n
    );
}

/// A bake `inherits` cycle or a chain past the bound is reported by
/// `rdock targets` and `rdock lint`, naming the file and the targets; the
/// Dockerfile is still linted.
#[test]
fn bake_inherits_cycles_and_deep_chains_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "Dockerfile", "FROM alpine:3.19\n");
    let mut deep = String::from("target \"t0\" {\n}\n");
    for i in 1..1_000 {
        deep.push_str(&format!(
            "target \"t{i}\" {{\n  inherits = [\"t{}\"]\n}}\n",
            i - 1
        ));
    }
    for (bake, says) in [
        (
            "target \"a\" {\n  inherits = [\"b\"]\n}\ntarget \"b\" {\n  inherits = [\"a\"]\n}\n"
                .to_string(),
            "docker-bake.hcl: target `a` inherits from itself (a -> b -> a)",
        ),
        (deep, "docker-bake.hcl: target `t"),
    ] {
        write(dir.path(), "docker-bake.hcl", &bake);
        let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin("rdock"))
            .current_dir(dir.path())
            .arg("targets")
            .timeout(Duration::from_secs(120))
            .output()
            .expect("run rdock");
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(shown.contains(says), "{shown}");
        // `rdock lint` lints the Dockerfile and says the bake file was skipped.
        let run = lint(dir.path(), &["Dockerfile"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("warning: skipped {says}"))
                && run
                    .stderr
                    .contains("the builds it names do not count as targets"),
            "{}",
            run.stderr
        );
    }
}

/// A folder without `.git` holding more files than discovery walks
/// (`workspace::MAX_WALK`, a home folder, a folder of data): the walk stops
/// there, `rdock targets` and `rdock lint` say so once, and the Dockerfile
/// is still linted, in bounded time. One file fewer than the cap, and
/// nothing is said.
#[test]
fn discovery_walk_stops_at_the_cap_and_says_so() {
    let cap = rdock::workspace::MAX_WALK;
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.19 AS test\nRUN true\n",
    );
    // Empty files in folders of 1,000: the Dockerfile and these make cap + 1.
    let filler = cap;
    for i in 0..filler {
        let sub = dir.path().join(format!("d{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir(&sub).expect("mkdir");
        }
        std::fs::File::create(sub.join(format!("f{i}"))).expect("create");
    }
    let says = format!("stopped walking {}", dir.path().display());
    let targets = || {
        let out = cargo_bin_cmd!("rdock")
            .current_dir(dir.path())
            .args(["targets", "."])
            .timeout(Duration::from_secs(120))
            .output()
            .expect("run rdock");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = targets();
    assert!(
        shown.contains(&format!("warning: {says} after {cap} files")),
        "{shown}"
    );
    assert_eq!(shown.matches("stopped walking").count(), 1, "{shown}");
    let run = lint(dir.path(), &["Dockerfile"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.matches(&says).count(), 1, "{}", run.stderr);
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
    // At the cap exactly, the walk sees every file.
    std::fs::remove_file(dir.path().join("d000/f0")).expect("rm");
    let shown = targets();
    assert!(!shown.contains("stopped walking"), "{shown}");
    let run = lint(dir.path(), &["Dockerfile"]);
    assert!(!run.stderr.contains("stopped walking"), "{}", run.stderr);
}

/// Past 2 MiB of shell in one file, RUN bodies are not parsed (a parsed
/// script takes about 200 bytes per byte): RD305 says so once, at the
/// first RUN left out.
#[test]
fn shell_past_the_file_budget_is_reported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = vec!["true"; 25_000].join(" && ");
    let text = format!("FROM alpine:3\n{}", format!("RUN {body}\n").repeat(12));
    write(dir.path(), "Dockerfile", text);
    let run = lint(dir.path(), &["Dockerfile"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let found: Vec<&str> = run.stdout.lines().filter(|l| l.contains("RD305")).collect();
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert!(
        found[0].contains("more than 2 MiB of shell in its RUN steps"),
        "{}",
        found[0]
    );
}

/// Every known hostile input is kept in fuzz/hostile/, which every fuzz
/// run reads as corpus (scripts/fuzz.sh), so fuzzing starts from them;
/// here all of them are linted in one run: no crash, no error.
#[test]
fn hostile_corpus_inputs_are_linted() {
    let corpus = common::root().join("fuzz/hostile");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("fuzz/corpus/lint")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    // The classes of issue 17, each kept.
    for class in [
        "fd-number",
        "nested-expansion-arg",
        "nested-expansion-env",
        "nested-expansion-label",
        "nested-expansion-workdir",
        "nested-expansion-user",
        "nested-expansion-expose",
        "nested-expansion-from",
        "env-doubling",
        "arg-doubling-from",
        "many-runs",
        "many-envs",
        "many-findings-one-line",
        "and-chain",
        "nested-shell",
    ] {
        assert!(
            names.iter().any(|n| n.contains(class)),
            "no {class}* in fuzz/hostile"
        );
    }
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    let run = lint(&corpus, &args);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{:?}\n{}",
        run.code,
        run.stderr
    );
    assert_eq!(run.stderr, "", "no input is an error");
    assert!(run.took < Duration::from_secs(240), "took {:?}", run.took);
}

/// The fuzz generator's inputs, from fixed seeds (every class, small and
/// large, and pseudo-random choices), linted in one run: none crashes or
/// is an error. The generator is the fuzz target's, so this also keeps it
/// compiling with the tests.
#[test]
fn generated_inputs_are_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    // Each class first (the second byte picks it), the bytes after it
    // choosing its parts and sizes.
    for class in 0..12u8 {
        for mode in [1u8, 2] {
            seeds.push(vec![
                1, class, mode, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 7, 3, 1,
            ]);
        }
    }
    // Pseudo-random choices (xorshift); RDOCK_GENERATED_SEEDS=N for more.
    let random: usize = std::env::var("RDOCK_GENERATED_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..random {
        let len = 8 + (x % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        seeds.push(bytes);
    }
    for (i, seed) in seeds.iter().enumerate() {
        let text = generate::dockerfile(seed);
        assert!(text.len() <= generate::MAX_OUTPUT + 64 * 1024, "{i}");
        write(dir.path(), &format!("g{i}.Dockerfile"), text);
    }
    let run = lint(dir.path(), &["."]);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{:?}\n{}",
        run.code,
        run.stderr
    );
    assert_eq!(run.stderr, "", "no input is an error");
    assert!(run.took < Duration::from_secs(240), "took {:?}", run.took);
}
