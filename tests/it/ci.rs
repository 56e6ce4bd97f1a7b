//! CI output as the CI systems read it: SARIF validated against the SARIF
//! 2.1.0 JSON schema by a real validator (PyPI `jsonschema`), and GitHub
//! annotations placed on the lines they are about.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

use assert_cmd::cargo::cargo_bin_cmd;
use std::io::Write;

const UNREACHABLE: &str = "\
# Stage `fetch` is never used by the final stage.
FROM alpine:3.19 AS fetch
RUN echo fetch

FROM alpine:3.19 AS build
RUN echo build

FROM build
COPY --from=bulid /x /x
";

/// A project with findings of several rules, severities and fixes.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("svc")).expect("mkdir");
    std::fs::write(dir.path().join("Dockerfile"), UNREACHABLE).expect("write");
    std::fs::write(
        dir.path().join("svc/app.Dockerfile"),
        "FROM alpine:3.19 as Build\nRUN true\nFROM scratch AS scratch\nFRUM x\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("svc/Containerfile"), "FROM alpine:3.19\n").expect("write");
    dir
}

fn lint(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = cargo_bin_cmd!("rdock")
        .current_dir(dir)
        .arg("lint")
        .args(args)
        .output()
        .expect("run rdock");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

/// Validate `instance` (JSON text) against the vendored SARIF schema with
/// Python's `jsonschema`; `Ok` or the validator's messages.
fn validate(instance: &str) -> Option<Result<(), String>> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has = Command::new(&python)
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        common::skip(
            "sarif schema",
            "the python package jsonschema is not installed (scripts/install-test-deps.sh installs it)",
        );
        return None;
    }
    let schema = common::root().join("tests/data/sarif/sarif-schema-2.1.0.json");
    let script = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator.check_schema(schema)
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(json.load(sys.stdin)), key=lambda e: list(e.path))
for e in errors:
    print("/".join(map(str, e.path)), ":", e.message)
sys.exit(1 if errors else 0)
"#;
    let mut child = Command::new(&python)
        .args(["-c", script])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(instance.as_bytes())
        .expect("write to the validator");
    let out = child.wait_with_output().expect("wait for the validator");
    let msg = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    match out.status.code() {
        Some(0) => Some(Ok(())),
        Some(1) if !msg.contains("Traceback") => Some(Err(msg)),
        _ => panic!("the validator itself failed: {msg}"),
    }
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let dir = project();
    let (code, sarif) = lint(dir.path(), &["--output-format", "sarif", "."]);
    assert_eq!(code, Some(1), "{sarif}");
    let doc: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    // The document is not trivially valid: it carries findings of several
    // rules (RD001 syntax error, RD101, RD102, RD107, RD108) and fixes.
    for rule in ["RD001", "RD101", "RD102", "RD107", "RD108"] {
        assert!(
            results.iter().any(|r| r["ruleId"] == rule),
            "no {rule} result in {sarif}"
        );
    }
    let Some(verdict) = validate(&sarif) else {
        return;
    };
    verdict.unwrap_or_else(|e| panic!("rdock's SARIF is not valid SARIF 2.1.0:\n{e}"));

    // With no findings it is valid too.
    let clean = tempfile::tempdir().expect("tempdir");
    std::fs::write(clean.path().join("Dockerfile"), "FROM alpine:3.19\n").expect("write");
    let (code, sarif) = lint(clean.path(), &["--output-format", "sarif", "."]);
    assert_eq!(code, Some(0));
    validate(&sarif)
        .expect("validator present")
        .unwrap_or_else(|e| panic!("empty SARIF is not valid:\n{e}"));
}

/// The validator is not a rubber stamp: it refuses documents that break the
/// schema in the ways a renderer could.
#[test]
fn sarif_validator_rejects_broken_documents() {
    let dir = project();
    let (_, sarif) = lint(dir.path(), &["--output-format", "sarif", "."]);
    let doc: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    let mut breakages: Vec<(&str, serde_json::Value)> = Vec::new();
    let mut d = doc.clone();
    d["version"] = "2.0.0".into();
    breakages.push(("wrong version", d));
    let mut d = doc.clone();
    d["runs"][0]["results"][0]["level"] = "fatal".into();
    breakages.push(("unknown level", d));
    let mut d = doc.clone();
    d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    breakages.push(("line 0", d));
    let mut d = doc.clone();
    d["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .expect("driver")
        .remove("name");
    breakages.push(("driver without a name", d));
    for (what, broken) in breakages {
        let Some(verdict) = validate(&broken.to_string()) else {
            return;
        };
        assert!(verdict.is_err(), "the validator accepted {what}");
    }
}

/// RD101 shows up on GitHub as a warning annotation on the `FROM` line of
/// the unreachable stage.
#[test]
fn unreachable_stage_is_a_github_warning_on_the_stage_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("docker")).expect("mkdir");
    std::fs::write(dir.path().join("docker/Dockerfile"), UNREACHABLE).expect("write");
    let (code, out) = lint(dir.path(), &["--output-format", "github", "docker"]);
    assert_eq!(code, Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.contains("title=RD101 (unreachable-stage)"))
        .unwrap_or_else(|| panic!("no RD101 annotation in:\n{out}"));
    assert!(
        line.starts_with("::warning file=docker/Dockerfile,line=2,col=1,"),
        "{line}"
    );
    assert!(line.contains("::stage `fetch` is not reached"), "{line}");
    // Stage `build` is used by the final stage: no annotation for it.
    assert_eq!(out.matches("RD101").count(), 1, "{out}");

    // --fail-level error: the warnings are still printed, the exit code is 0.
    let (code, out2) = lint(
        dir.path(),
        &[
            "--output-format",
            "github",
            "--fail-level",
            "error",
            "docker",
        ],
    );
    assert_eq!(code, Some(0), "{out2}");
    assert_eq!(out, out2);
}

/// Every `rdock lint` command in the CI examples runs as written (options
/// and formats exist) and its output has the format the step expects.
#[test]
fn ci_examples_run_as_written() {
    let dir = project();
    let mut seen = 0;
    for example in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        let text = std::fs::read_to_string(common::root().join(example)).expect("read example");
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let Some((_, command)) = line.split_once("rdock lint ") else {
                continue;
            };
            let command = command.split(" > ").next().unwrap_or(command);
            let args: Vec<&str> = command.split_whitespace().collect();
            let (code, out) = lint(dir.path(), &args);
            assert!(
                matches!(code, Some(0 | 1)),
                "{example}: `rdock lint {command}` exited {code:?}"
            );
            if args.contains(&"sarif") {
                assert!(validate(&out).is_none_or(|v| v.is_ok()), "{example}: {out}");
            }
            if args.contains(&"gitlab") {
                let v: serde_json::Value = serde_json::from_str(&out).expect("gitlab is JSON");
                assert!(v.as_array().is_some_and(|a| !a.is_empty()), "{out}");
            }
            if args.contains(&"github") {
                assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 4, "the examples have four rdock lint commands");
}

/// A run with errors (a broken configuration, a path that does not exist)
/// is still valid SARIF: the errors are the invocation's notifications and
/// the run is not successful.
#[test]
fn sarif_with_errors_is_valid_and_not_successful() {
    let dir = project();
    std::fs::write(
        dir.path().join("svc/.rdock.toml"),
        "fail-level = \"fatal\"\n",
    )
    .expect("write");
    let out = cargo_bin_cmd!("rdock")
        .current_dir(dir.path())
        .args(["lint", "--output-format", "sarif", ".", "missing"])
        .output()
        .expect("run rdock");
    assert_eq!(out.status.code(), Some(2));
    let sarif = String::from_utf8(out.stdout).expect("UTF-8");
    let doc: serde_json::Value = serde_json::from_str(&sarif).expect("SARIF is JSON");
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{sarif}");
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let uris: Vec<&str> = notes
        .iter()
        .filter_map(|n| n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert_eq!(uris, ["missing", "svc/.rdock.toml"], "{sarif}");
    assert_eq!(
        notes[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    // The Dockerfile outside svc/ was linted: its findings are there.
    assert!(
        doc["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["ruleId"] == "RD101")),
        "{sarif}"
    );
    let Some(verdict) = validate(&sarif) else {
        return;
    };
    verdict.unwrap_or_else(|e| panic!("SARIF with errors is not valid SARIF 2.1.0:\n{e}"));
}

/// Every format carries the errors of a run, so CI shows them: a broken
/// configuration, a file that cannot be read, a flag value refused before
/// anything is linted.
#[test]
fn every_format_reports_errors() {
    let dir = project();
    std::fs::write(
        dir.path().join("svc/.rdock.toml"),
        "fail-level = \"fatal\"\n",
    )
    .expect("write");
    for format in [
        "full",
        "concise",
        "json",
        "sarif",
        "github",
        "gitlab",
        "checkstyle",
    ] {
        let out = cargo_bin_cmd!("rdock")
            .current_dir(dir.path())
            .args(["lint", "--output-format", format, ".", "missing"])
            .output()
            .expect("run rdock");
        assert_eq!(out.status.code(), Some(2), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if format == "full" {
            // On standard error, with their help; the summary counts them.
            assert!(stderr.contains("unknown severity `fatal`"), "{stderr}");
            assert!(stderr.contains("cannot read `missing`"), "{stderr}");
            // (svc/ holds two Dockerfiles, which share the broken configuration.)
            assert!(stdout.contains("3 inputs could not be linted"), "{stdout}");
            continue;
        }
        for what in ["unknown severity `fatal`", "cannot read `missing`"] {
            assert!(stdout.contains(what), "{format}: no `{what}` in\n{stdout}");
        }
        assert!(stdout.contains("svc/.rdock.toml"), "{format}:\n{stdout}");
        // The linted file's findings are still there.
        assert!(stdout.contains("RD101"), "{format}:\n{stdout}");
        // And on standard error, as every rdock error.
        assert!(stderr.contains("unknown severity `fatal`"), "{stderr}");
        // A bad flag: nothing is linted, the report holds the error alone.
        let out = cargo_bin_cmd!("rdock")
            .current_dir(dir.path())
            .args(["lint", "--output-format", format, "--select", "NOPE", "."])
            .output()
            .expect("run rdock");
        assert_eq!(out.status.code(), Some(2), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("unknown rule selector `NOPE` in --select"),
            "{format}: {stdout}"
        );
        assert!(!stdout.contains("stage `fetch`"), "{format}: {stdout}");
    }
}
