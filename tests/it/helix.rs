//! A real Helix (25.07.1, built from the release source by
//! scripts/install-test-deps.sh into target/helix) with the shipped
//! editors/helix/languages.toml:
//! - `hx --health dockerfile` loads the file (released Helix refuses a
//!   language config with a field it does not know, and falls back to its
//!   defaults) and lists rdock;
//! - an editing session in a terminal opens Dockerfiles under the names
//!   Helix's own `file-types` match and starts rdock for each, whose
//!   findings reach Helix.
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

/// A Helix session in a pseudo-terminal (util-linux `script`), logging its
/// language server traffic (`hx -v --log`): every file name is opened as the
/// dockerfile language, rdock is started and its findings are received.
#[test]
fn helix_session_starts_rdock_for_each_dockerfile_name() {
    let test = "helix_session_starts_rdock_for_each_dockerfile_name";
    let Some(hx) = hx(test) else { return };
    if Command::new("script").arg("--version").output().is_err() {
        common::skip(test, "util-linux `script` (a pseudo-terminal) is absent");
        return;
    }
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
    let log = dir.path().join("helix.log");
    let shell_quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let cmd = format!(
        "stty rows 30 cols 120; exec {} -v --log {} {}",
        shell_quote(&hx),
        shell_quote(&log),
        names.join(" ")
    );
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(&work)
        .env("TERM", "xterm-256color")
        .env("XDG_CONFIG_HOME", config_home(dir.path()))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("HELIX_RUNTIME", runtime())
        .env("HOME", dir.path())
        .env("PATH", path_with_rdock())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run hx in script");

    // Each file opened in rdock as the dockerfile language, and its
    // findings published by rdock, as Helix logged them.
    let opened = |text: &str, name: &str| {
        text.lines().any(|l| {
            l.contains("rdock -> ")
                && l.contains("textDocument/didOpen")
                && l.contains(&format!("/{name}\""))
                && l.contains("\"languageId\":\"dockerfile\"")
        })
    };
    let published = |text: &str, name: &str| {
        text.lines().any(|l| {
            l.contains("rdock <- ")
                && l.contains("textDocument/publishDiagnostics")
                && l.contains(&format!("/{name}\""))
                && l.contains("RD108")
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut text = String::new();
    while Instant::now() < deadline {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if names.iter().all(|n| published(&text, n)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Helix starts in normal mode. (No Escape first: Escape then `:` in one
    // read is Alt-:.)
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b":qa!\r");
    let _ = stdin.flush();
    let quit = Instant::now() + Duration::from_secs(20);
    let exited = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if Instant::now() > quit {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(stdin);
    let relevant: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("rdock") || l.contains("ERROR") || l.contains("WARN"))
        .map(|l| &l[..l.len().min(400)])
        .collect();
    for name in names {
        assert!(
            opened(&text, name) && published(&text, name),
            "Helix did not open {name} with rdock, or rdock's RD108 did not reach it:\n{}",
            relevant.join("\n")
        );
    }
    assert!(
        !text.contains("Error parsing user language config"),
        "{}",
        relevant.join("\n")
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
    for twice in ["diagnostics", "code-action", "completion", "hover"] {
        assert!(
            !only.contains(&twice),
            "docker-langserver also gives {twice}"
        );
    }
}
