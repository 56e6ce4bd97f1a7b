//! The repository's own Dockerfile (the rdock image): rdock finds nothing in
//! it, and its build context (.dockerignore) holds everything it copies.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;

#[test]
fn own_dockerfile_has_no_findings() {
    let out = cargo_bin_cmd!("rdock")
        .current_dir(common::root())
        .args([
            "lint",
            "--no-config",
            "--select",
            "ALL",
            "--output-format",
            "concise",
        ])
        .arg("Dockerfile")
        .output()
        .expect("run rdock");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No problems found"), "{stdout}");
}

#[test]
fn build_context_holds_what_the_dockerfile_copies() {
    let root = common::root();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).expect("read Dockerfile");
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect("read .dockerignore");
    let kept: Vec<&str> = ignore
        .lines()
        .filter_map(|l| l.trim().strip_prefix('!'))
        .map(|p| p.trim_end_matches('/'))
        .collect();
    assert!(
        ignore.lines().any(|l| l.trim() == "*"),
        "the context starts from nothing"
    );
    let mut copied = 0;
    for line in dockerfile.lines() {
        let Some(args) = line.strip_prefix("COPY ") else {
            continue;
        };
        if args.starts_with("--from=") {
            continue;
        }
        let words: Vec<&str> = args.split_whitespace().collect();
        for src in &words[..words.len() - 1] {
            assert!(
                kept.contains(src),
                "{src} is copied but .dockerignore drops it"
            );
            assert!(
                root.join(src).exists(),
                "{src} is copied but does not exist"
            );
            copied += 1;
        }
    }
    assert!(copied >= 5, "the builder copies the sources");
    // Everything cargo needs to build the binary: the rule docs are compiled in.
    assert!(kept.contains(&"rules") && kept.contains(&"src"));
}
