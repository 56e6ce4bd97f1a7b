//! A real Helix (25.07.1, built from the release source by
//! scripts/install-test-deps.sh into target/helix) with the shipped
//! editors/helix/languages.toml:
//! - `hx --health dockerfile` loads the file (released Helix refuses a
//!   language config with a field it does not know, and falls back to its
//!   defaults) and lists rdock;
//! - an editing session in a terminal opens Dockerfiles under the names
//!   Helix's own `file-types` match and starts rdock for each, whose
//!   findings reach Helix;
//! - a finding's fix is applied from Helix's code action menu and written.
//!
//! hx is `$RDOCK_HX`, else target/helix/debug/hx; its runtime is
//! `$HELIX_RUNTIME`, else ../shared/third-party/helix-25.07.1/runtime. The
//! tests skip when hx is absent, and fail then under RDOCK_REQUIRE_EXTERNAL=1.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The hx binary, or `None` after saying why the test skips.
fn hx(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("RDOCK_HX")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("target/helix/debug/hx"));
    if path.is_file() {
        Some(path)
    } else {
        common::skip(
            test,
            &format!(
                "no Helix at {} (scripts/install-test-deps.sh builds it from ../shared/third-party/helix-25.07.1; or set RDOCK_HX)",
                path.display()
            ),
        );
        None
    }
}

fn runtime() -> PathBuf {
    std::env::var_os("HELIX_RUNTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("../shared/third-party/helix-25.07.1/runtime"))
}

/// A config home holding the shipped languages.toml as helix/languages.toml.
fn config_home(dir: &Path) -> PathBuf {
    let config = dir.join("config");
    std::fs::create_dir_all(config.join("helix")).unwrap();
    std::fs::copy(
        common::root().join("editors/helix/languages.toml"),
        config.join("helix/languages.toml"),
    )
    .unwrap();
    config
}

/// PATH with the rdock under test first.
fn path_with_rdock() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_rdock")).parent().unwrap();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

fn strip_ansi(s: &str) -> String {
    regex::Regex::new("\x1b\\[[0-9;?]*[A-Za-z]")
        .unwrap()
        .replace_all(s, "")
        .into_owned()
}

#[test]
fn helix_health_loads_the_shipped_config_and_lists_rdock() {
    let test = "helix_health_loads_the_shipped_config_and_lists_rdock";
    let Some(hx) = hx(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&hx)
        .args(["--health", "dockerfile"])
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", config_home(dir.path()))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("HELIX_RUNTIME", runtime())
        .env("HOME", dir.path())
        .env("PATH", path_with_rdock())
        .output()
        .expect("run hx --health dockerfile");
    let stdout = strip_ansi(&String::from_utf8_lossy(&out.stdout));
    let stderr = strip_ansi(&String::from_utf8_lossy(&out.stderr));
    eprintln!("hx --health dockerfile:\n{stdout}{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Error parsing user language config"),
        "Helix refused editors/helix/languages.toml: {stderr}"
    );
    let rdock = Path::new(env!("CARGO_BIN_EXE_rdock"));
    let line = stdout
        .lines()
        .find(|l| l.contains("rdock:"))
        .unwrap_or_else(|| panic!("rdock is not a configured language server:\n{stdout}"));
    assert!(
        line.contains('✓') && line.contains(&rdock.display().to_string()),
        "rdock not found on PATH by Helix: {line}"
    );
    // The servers in the shipped order, rdock first (it answers hover and
    // go to definition; docker-langserver only what rdock does not offer).
    let servers: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Configured language servers:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split(':').next()?.split_whitespace().last())
        .collect();
    assert_eq!(servers, ["rdock", "docker-langserver"], "{stdout}");
}

/// hx editing files in a pseudo-terminal (util-linux `script`), with its
/// language server traffic logged (`hx -v --log`), driven by keystrokes.
struct Session {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    log: PathBuf,
}

impl Session {
    /// hx on `names` in `work`, or `None` after saying why the test skips.
    fn start(test: &str, dir: &Path, work: &Path, names: &[&str]) -> Option<Session> {
        let hx = hx(test)?;
        if Command::new("script").arg("--version").output().is_err() {
            common::skip(test, "util-linux `script` (a pseudo-terminal) is absent");
            return None;
        }
        let log = dir.join("helix.log");
        let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
        let cmd = format!(
            "stty rows 30 cols 120; exec {} -v --log {} {}",
            quote(&hx),
            quote(&log),
            names.join(" ")
        );
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .current_dir(work)
            .env("TERM", "xterm-256color")
            .env("XDG_CONFIG_HOME", config_home(dir))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("HELIX_RUNTIME", runtime())
            .env("HOME", dir)
            .env("PATH", path_with_rdock())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run hx in script");
        let stdin = child.stdin.take().unwrap();
        Some(Session { child, stdin, log })
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait up to `secs` for `done` to hold of the log; whether it did.
    fn wait(&self, secs: u64, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if done(&self.log()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// Type `keys`, then give hx a moment to draw. (Escape then `:` in one
    /// read would be Alt-:, so keys are sent as hx would get them typed.)
    fn keys(&mut self, keys: &str) {
        self.stdin.write_all(keys.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }

    /// `:qa!`; whether hx exited within 20 s (else it is killed).
    fn quit(mut self) -> bool {
        let _ = self.stdin.write_all(b":qa!\r");
        let _ = self.stdin.flush();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The log lines about rdock, and errors, for a failure message.
fn rdock_lines(log: &str) -> String {
    log.lines()
        .filter(|l| l.contains("rdock") || l.contains("ERROR") || l.contains("WARN"))
        .map(|l| &l[..l.len().min(400)])
        .collect::<Vec<_>>()
        .join("\n")
}

/// rdock's findings for the file `name`, as Helix logged receiving them.
fn published(log: &str, name: &str, code: &str) -> bool {
    log.lines().any(|l| {
        l.contains("rdock <- ")
            && l.contains("textDocument/publishDiagnostics")
            && l.contains(&format!("/{name}\""))
            && l.contains(code)
    })
}

/// Every file name Helix's own `file-types` match is opened as the
/// dockerfile language, rdock is started and its findings are received,
/// and hover is asked of rdock.
#[test]
fn helix_session_starts_rdock_for_each_dockerfile_name() {
    let test = "helix_session_starts_rdock_for_each_dockerfile_name";
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join(".git")).unwrap();
    let names = [
        "Dockerfile",
        "Containerfile",
        "Dockerfile.prod",
        "app.dockerfile",
        "prod.Dockerfile",
    ];
    for name in names {
        std::fs::write(work.join(name), "FROM alpine:3 as build\nRUN true\n").unwrap();
    }
    let Some(mut hx) = Session::start(test, dir.path(), &work, &names) else {
        return;
    };
    hx.wait(60, |log| names.iter().all(|n| published(log, n, "RD108")));
    // Hover (`space k`) on `FROM`: asked of rdock, the first server.
    hx.keys(" k");
    let hovered = hx.wait(20, |log| {
        log.lines()
            .any(|l| l.contains("rdock <- ") && l.contains("\"contents\""))
    });
    let log = hx.log();
    let exited = hx.quit();
    let opened = |name: &str| {
        log.lines().any(|l| {
            l.contains("rdock -> ")
                && l.contains("textDocument/didOpen")
                && l.contains(&format!("/{name}\""))
                && l.contains("\"languageId\":\"dockerfile\"")
        })
    };
    for name in names {
        assert!(
            opened(name) && published(&log, name, "RD108"),
            "Helix did not open {name} with rdock, or rdock's RD108 did not reach it:\n{}",
            rdock_lines(&log)
        );
    }
    assert!(
        hovered && log.contains("rdock -> {\"jsonrpc\":\"2.0\",\"method\":\"textDocument/hover\""),
        "no hover from rdock:\n{}",
        rdock_lines(&log)
    );
    assert!(exited, "hx did not quit on :qa!");
}

/// rdock's quick fix applied from Helix's code action menu, and written:
/// `]d` (go to the finding), `space a` (code actions), Enter (the first,
/// the finding's fix), `:w`.
#[test]
fn helix_applies_an_rdock_fix_from_the_code_action_menu() {
    let test = "helix_applies_an_rdock_fix_from_the_code_action_menu";
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join(".git")).unwrap();
    let file = work.join("Dockerfile");
    std::fs::write(&file, "FROM alpine:3 as build\nRUN true\n").unwrap();
    let Some(mut hx) = Session::start(test, dir.path(), &work, &["Dockerfile"]) else {
        return;
    };
    let found = hx.wait(60, |log| published(log, "Dockerfile", "RD108"));
    let mut offered = false;
    if found {
        hx.keys("]d");
        hx.keys(" a");
        offered = hx.wait(20, |log| {
            log.lines()
                .any(|l| l.contains("rdock <- ") && l.contains("Write `AS`"))
        });
        std::thread::sleep(Duration::from_millis(500));
        hx.keys("\r");
        hx.keys(":w\r");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline
        && std::fs::read_to_string(&file).unwrap() == "FROM alpine:3 as build\nRUN true\n"
    {
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = hx.log();
    let exited = hx.quit();
    assert!(found, "no RD108 from rdock:\n{}", rdock_lines(&log));
    assert!(
        offered,
        "no code actions from rdock:\n{}",
        rdock_lines(&log)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "FROM alpine:3 AS build\nRUN true\n",
        "the fix was not applied and written:\n{}",
        rdock_lines(&log)
    );
    assert!(exited, "hx did not quit on :qa!");
}

/// Without hx: the shipped file as data, for what the tests above check
/// with Helix. No `file-types` (it would replace Helix's own list), no
/// `code-actions-on-save` (released Helix refuses the whole file for it),
/// and docker-langserver not asked for diagnostics (they would come twice).
#[test]
fn helix_languages_toml_keeps_helix_defaults() {
    let text =
        std::fs::read_to_string(common::root().join("editors/helix/languages.toml")).unwrap();
    let toml: toml::Value = toml::from_str(&text).unwrap();
    let server = &toml["language-server"]["rdock"];
    assert_eq!(server["command"].as_str(), Some("rdock"));
    assert_eq!(
        server["args"].as_array().unwrap(),
        &[toml::Value::from("lsp")]
    );
    let docker = toml["language"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"].as_str() == Some("dockerfile"))
        .expect("a dockerfile language");
    let keys: Vec<&String> = docker.as_table().unwrap().keys().collect();
    assert_eq!(keys, ["language-servers", "name"], "only what it must set");
    let servers = docker["language-servers"].as_array().unwrap();
    assert_eq!(
        servers[0].as_str(),
        Some("rdock"),
        "rdock first, all features"
    );
    let other = &servers[1];
    assert_eq!(other["name"].as_str(), Some("docker-langserver"));
    let only: Vec<&str> = other["only-features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    for twice in [
        "diagnostics",
        "code-action",
        "completion",
        "hover",
        "format",
        "document-highlight",
    ] {
        assert!(
            !only.contains(&twice),
            "docker-langserver also gives {twice}"
        );
    }
}
