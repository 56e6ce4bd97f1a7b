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

/// The plugin's editor side with the real Neovim: `*.dockerfile` detected
/// (0.7's filetype.vim misses it), `K` and `gd` mapped and working, one
/// client per root folder (nearest `.git` / `.rdock.toml`), and the 0.11
/// runtime file `lsp/rdock.lua` a configuration table. The settings are
/// the README's example, which must fit a Dockerfile without any particular
/// stage (a `target` there reported RD109 on every other file).
#[test]
fn neovim_detects_maps_and_keeps_one_client_per_root() {
    let test = "neovim_detects_maps_and_keeps_one_client_per_root";
    if Command::new("nvim").arg("--version").output().is_err() {
        common::skip(test, "`nvim` is not on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let text = "FROM alpine:3 as build\nRUN true\nFROM build as final\n";
    for (path, content) in [
        ("a/.git/HEAD", "ref: refs/heads/main\n"),
        ("a/app.dockerfile", text),
        ("a/sub/Dockerfile.prod", text),
        (
            "a/messy.dockerfile",
            "from alpine:3 AS base  \nrun  true\nRUN true\nrun true\n",
        ),
        ("a/tools/Dockerfile", "FROM alpine:3 AS toolbox\n"),
        ("b/.rdock.toml", "ignore = [\"RD107\"]\n"),
        ("b/Containerfile", text),
    ] {
        let path = work.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let result = dir.path().join("result");
    let root = common::root();
    let readme = std::fs::read_to_string(root.join("editors/neovim/README.md")).unwrap();
    let settings = readme
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("settings = "))
        .expect("a `settings = ` line in editors/neovim/README.md");
    let settings = settings
        .split(" --")
        .next()
        .unwrap()
        .trim()
        .trim_end_matches(',');
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
            root.join("editors/neovim/test/features.lua").display()
        ))
        .env("RDOCK", env!("CARGO_BIN_EXE_rdock"))
        .env("WORK", &work)
        .env("SETTINGS", settings)
        .env("RESULT", &result)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .status()
        .expect("run nvim");
    let out = std::fs::read_to_string(&result).unwrap_or_else(|_| format!("no result ({status})"));
    eprintln!("{out}");
    let get = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no `{key}` in:\n{out}"))
    };
    assert_eq!(get("done"), "ok", "{out}");
    for file in [
        "a/app.dockerfile",
        "a/sub/Dockerfile.prod",
        "b/Containerfile",
    ] {
        assert_eq!(get(&format!("filetype {file}")), "dockerfile", "{out}");
    }
    assert_eq!(get("map K"), "buffer", "{out}");
    assert_eq!(get("map gd"), "buffer", "{out}");
    // Column 17: `build` in `FROM alpine:3 as build`.
    assert_eq!(get("gd"), "1:17", "gd goes to the stage name: {out}");
    assert_eq!(get("hover"), "float", "{out}");
    // The stage name's definition (write, 3) and its use (read, 2); the one
    // FROM with an image links to its page.
    assert_eq!(get("highlights"), "0:3,2:2", "{out}");
    assert_eq!(get("links"), "0:https://hub.docker.com/_/alpine", "{out}");
    // a/app.dockerfile and a/sub/Dockerfile.prod share a's client; b has its own.
    let client = |file: &str| get(&format!("clients {file}")).to_string();
    let a = work.join("a").canonicalize().unwrap();
    let b = work.join("b").canonicalize().unwrap();
    assert_eq!(
        client("a/app.dockerfile"),
        client("a/sub/Dockerfile.prod"),
        "{out}"
    );
    assert!(
        client("a/app.dockerfile").ends_with(&format!("@{}", a.display())),
        "{out}"
    );
    assert!(
        client("b/Containerfile").ends_with(&format!("@{}", b.display())),
        "{out}"
    );
    assert_eq!(get("client count"), "2", "{out}");
    // Formatting in the file's majority style (lower case), and a stage of
    // a Dockerfile no buffer shows.
    assert_eq!(
        get("formatted"),
        "from alpine:3 AS base|run true|run true|run true",
        "{out}"
    );
    assert_eq!(get("workspace symbols"), "toolbox@Dockerfile", "{out}");
    let codes = get("codes");
    assert!(codes.contains("RD108"), "{out}");
    assert!(
        !codes.contains("RD109"),
        "the README's settings: {settings}: {out}"
    );
    assert_eq!(get("lsp/rdock.lua"), "rdock lsp|dockerfile", "{out}");
}
