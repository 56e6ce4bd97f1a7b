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
