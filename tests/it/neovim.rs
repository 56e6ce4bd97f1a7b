//! A real third-party client: headless Neovim (Debian's package, 0.7 or
//! later) with editors/neovim's configuration opens a Dockerfile with
//! `rdock lsp` as its server, receives diagnostics and applies the fix-all
//! code action on save. Skips when `nvim` is absent (installed by
//! scripts/install-test-deps.sh), fails then under RDOCK_REQUIRE_EXTERNAL=1.

use crate::common;

use std::process::Command;

#[test]
fn neovim_gets_diagnostics_and_applies_a_code_action() {
    let Ok(version) = Command::new("nvim").arg("--version").output() else {
        common::skip(
            "neovim_gets_diagnostics_and_applies_a_code_action",
            "`nvim` is not on PATH",
        );
        return;
    };
    eprintln!(
        "{}",
        String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Containerfile");
    std::fs::write(
        &file,
        "FROM alpine:3 as build\nRUN true\nFROM build as final\n",
    )
    .unwrap();
    let result = dir.path().join("result");
    let root = common::root();
    let status = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n"])
        .arg("--cmd")
        .arg(format!(
            "set rtp+={}",
            root.join("editors/neovim").display()
        ))
        .arg("-c")
        .arg(format!(
            "luafile {}",
            root.join("editors/neovim/test/headless.lua").display()
        ))
        .env("RDOCK", env!("CARGO_BIN_EXE_rdock"))
        .env("DOCKERFILE", &file)
        .env("RESULT", &result)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .status()
        .expect("run nvim");
    let out = std::fs::read_to_string(&result).unwrap_or_else(|_| format!("no result ({status})"));
    assert!(out.starts_with("PASS "), "{out}");
    let mut parts = out["PASS ".len()..].trim_end().splitn(3, '|');
    let codes = parts.next().unwrap();
    let after: usize = parts.next().unwrap().parse().unwrap();
    assert!(
        codes.contains("RD108"),
        "the `as` casing finding reached Neovim: {out}"
    );
    // The fix-all action was applied to the buffer and written.
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        written,
        "FROM alpine:3 AS build\nRUN true\nFROM build AS final\n"
    );
    assert_eq!(after, 0, "no findings left after the fix: {out}");
}

/// No Helix can be installed here (see editors/helix/README.md): its
/// configuration is checked as data instead, for what `hx --health
/// dockerfile` would read: rdock started as `rdock lsp`, attached to the
/// dockerfile language for diagnostics and code actions, fix-all on save,
/// and the file names the other editors' configurations cover.
#[test]
fn helix_languages_toml_starts_rdock_for_dockerfiles() {
    let path = common::root().join("editors/helix/languages.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let toml: toml::Value = toml::from_str(&text).unwrap();
    let server = &toml["language-server"]["rdock"];
    assert_eq!(server["command"].as_str(), Some("rdock"));
    assert_eq!(
        server["args"].as_array().unwrap(),
        &vec![toml::Value::from("lsp")]
    );
    let langs = toml["language"].as_array().unwrap();
    let docker = langs
        .iter()
        .find(|l| l["name"].as_str() == Some("dockerfile"))
        .expect("a dockerfile language");
    let rdock = docker["language-servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s.get("name").and_then(|n| n.as_str()) == Some("rdock"))
        .expect("rdock among the dockerfile language servers");
    let features: Vec<&str> = rdock["only-features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert_eq!(features, ["diagnostics", "code-action"]);
    let on_save = docker["code-actions-on-save"].as_array().unwrap();
    assert_eq!(
        on_save[0]["code-action"].as_str(),
        Some("source.fixAll.rdock")
    );
    let types = docker["file-types"].to_string();
    for name in ["Containerfile", "Dockerfile.*", "*.Dockerfile"] {
        assert!(types.contains(name), "{name} missing from {types}");
    }
}
