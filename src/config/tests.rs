//! Configuration files: discovery, strict parsing and the messages a
//! mistake gets.

use super::*;

use std::fs;

use miette::{GraphicalReportHandler, GraphicalTheme};

/// Stands in for the registry: three rules.
fn known(selector: &str) -> bool {
    const RULES: [(&str, &str); 3] = [
        ("RD101", "unreachable-stage"),
        ("RD106", "duplicate-stage-name"),
        ("RD203", "missing-workdir"),
    ];
    let upper = selector.to_ascii_uppercase();
    selector.eq_ignore_ascii_case("ALL")
        || RULES.iter().any(|(id, slug)| {
            *slug == selector
                || (upper.starts_with("RD")
                    && upper.len() > 2
                    && upper[2..].chars().all(|c| c.is_ascii_digit())
                    && id.starts_with(&upper))
        })
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str(text, Path::new(".rdock.toml"), &known)
}

fn parse_err(text: &str) -> ConfigError {
    match parse(text) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e,
    }
}

fn render(error: &ConfigError) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut out, error)
        .expect("rendering to a string");
    out
}

fn help(error: &ConfigError) -> Option<&str> {
    match error {
        ConfigError::Parse(e) => e.help.as_deref(),
        ConfigError::Io { .. } => None,
    }
}

const FULL: &str = r#"# rdock configuration
select = ["ALL"]
extend-select = ["RD203"]
ignore = ["RD106", "unreachable-stage"]
fail-level = "warning"
targets = ["test", "release"]
allowed-registries = ["docker.io", "*.example.com"]

[severity]
RD101 = "error"
RD2 = "info"

[build-args]
VERSION = "1.2"
BASE = "debian:bookworm"
"#;

#[test]
fn valid_file_round_trips() {
    let config = parse(FULL).expect("valid");
    let expected = Config {
        path: Some(PathBuf::from(".rdock.toml")),
        select: Some(vec!["ALL".into()]),
        extend_select: vec!["RD203".into()],
        ignore: vec!["RD106".into(), "unreachable-stage".into()],
        severity: BTreeMap::from([
            ("RD101".into(), Severity::Error),
            ("RD2".into(), Severity::Info),
        ]),
        fail_level: Some(Severity::Warning),
        targets: vec!["test".into(), "release".into()],
        allowed_registries: vec!["docker.io".into(), "*.example.com".into()],
        build_args: BTreeMap::from([
            ("BASE".into(), "debian:bookworm".into()),
            ("VERSION".into(), "1.2".into()),
        ]),
        commands: Vec::new(),
    };
    assert_eq!(config, expected);
    assert_eq!(config.effective_fail_level(), Severity::Warning);
}

#[test]
fn empty_file_is_the_default() {
    let config = parse("# nothing\n").expect("valid");
    assert_eq!(
        config,
        Config {
            path: Some(PathBuf::from(".rdock.toml")),
            ..Config::default()
        }
    );
    assert_eq!(config.select, None);
    assert_eq!(config.effective_fail_level(), Severity::Style);
    assert_eq!(DEFAULT_FAIL_LEVEL, Severity::Style);
}

#[test]
fn dotted_keys_and_inline_tables() {
    let config = parse("severity.RD101 = \"warn\"\nbuild-args = { A = \"1\" }\nselect = []\n")
        .expect("valid");
    assert_eq!(config.severity.get("RD101"), Some(&Severity::Warning));
    assert_eq!(config.build_args.get("A").map(String::as_str), Some("1"));
    assert_eq!(config.select, Some(vec![]));
}

#[test]
fn unknown_key() {
    let e = parse_err("select = [\"ALL\"]\nselec = [\"RD1\"]\n");
    assert_eq!(e.to_string(), ".rdock.toml:2:1: unknown key `selec`");
    assert_eq!(help(&e), Some("did you mean `select`?"));
    insta::assert_snapshot!(render(&e));
}

#[test]
fn snake_case_key() {
    let e = parse_err("fail_level = \"error\"\n");
    assert_eq!(e.to_string(), ".rdock.toml:1:1: unknown key `fail_level`");
    assert_eq!(
        help(&e),
        Some("did you mean `fail-level`? keys are kebab-case")
    );
}

#[test]
fn unknown_table() {
    let e = parse_err("[tool.rdock]\nselect = []\n");
    assert_eq!(e.to_string(), ".rdock.toml:1:2: unknown key `tool`");
    assert!(help(&e).is_some_and(|h| h.starts_with("the keys are `select`")));
}

#[test]
fn wrong_type() {
    let e = parse_err("# comment\nselect = \"ALL\"\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:2:10: invalid type: string \"ALL\", expected a sequence in `select`"
    );
    assert_eq!(help(&e), Some(KEYS[0].1));
    insta::assert_snapshot!(render(&e));
}

#[test]
fn wrong_type_in_array() {
    let e = parse_err("targets = [\"test\", 3]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:20: invalid type: integer `3`, expected a string in `targets`"
    );
}

#[test]
fn build_arg_must_be_a_string() {
    let e = parse_err("ignore = []\n\n[build-args]\nVERSION = 1.2\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:4:11: invalid type: floating point `1.2`, expected a string in `build-args`"
    );
    assert_eq!(help(&e), Some(KEYS[6].1));
    insta::assert_snapshot!(render(&e));
}

#[test]
fn bad_severity() {
    let e = parse_err("select = [\"ALL\"]\n[severity]\nRD101 = \"fatal\"\n");
    assert_eq!(e.to_string(), ".rdock.toml:3:9: unknown severity `fatal`");
    assert_eq!(help(&e), Some(SEVERITY_HELP));
    insta::assert_snapshot!(render(&e));
}

#[test]
fn bad_fail_level() {
    let e = parse_err("fail-level = \"high\"\n");
    assert_eq!(e.to_string(), ".rdock.toml:1:14: unknown severity `high`");
    let e = parse_err("fail-level = 2\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:14: invalid type: integer `2`, expected a string in `fail-level`"
    );
}

#[test]
fn unknown_selector() {
    let e = parse_err("select = [\"ALL\"]\nextend-select = []\nignore = [\"RD106\", \"RD999\"]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:3:20: unknown rule selector `RD999` in `ignore`"
    );
    assert_eq!(help(&e), Some(SELECTOR_HELP));
    insta::assert_snapshot!(render(&e));
}

#[test]
fn unknown_selector_everywhere() {
    let cases = [
        (
            "select = [\"RD9\"]",
            "1:11: unknown rule selector `RD9` in `select`",
        ),
        (
            "extend-select = [\"no-such-rule\"]",
            "1:18: unknown rule selector `no-such-rule` in `extend-select`",
        ),
        (
            "ignore = [\"\"]",
            "1:11: unknown rule selector `` in `ignore`",
        ),
        (
            "[severity]\nRD999 = \"error\"",
            "2:1: unknown rule selector `RD999` in `severity`",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            parse_err(text).to_string(),
            format!(".rdock.toml:{expected}")
        );
    }
}

#[test]
fn first_problem_in_the_file_is_reported() {
    let e = parse_err("fail-level = \"loud\"\nignore = [\"RD999\"]\n[severity]\nRD1 = \"nope\"\n");
    assert_eq!(e.to_string(), ".rdock.toml:1:14: unknown severity `loud`");
}

#[test]
fn empty_target() {
    let e = parse_err("targets = [\"test\", \" \"]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:20: empty target name in `targets`"
    );
}

#[test]
fn bad_allowed_registries() {
    let e = parse_err("allowed-registries = [\"ghcr.io\", \"ghcr.io/org\"]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:34: invalid registry `ghcr.io/org` in `allowed-registries`: it has a `/`; give the host name only, e.g. `ghcr.io`, not an image path"
    );
    assert_eq!(help(&e), Some(KEYS[7].1));
    let e = parse_err("allowed-registries = [\"\"]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:23: invalid registry `` in `allowed-registries`: it is empty"
    );
    let e = parse_err("allowed-registries = \"docker.io\"\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:22: invalid type: string \"docker.io\", expected a sequence in `allowed-registries`"
    );
    assert_eq!(help(&e), Some(KEYS[7].1));
    let e = parse_err("allowed_registries = [\"docker.io\"]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:1: unknown key `allowed_registries`"
    );
    assert_eq!(
        help(&e),
        Some("did you mean `allowed-registries`? keys are kebab-case")
    );
    let config = parse("allowed-registries = [\"localhost:5000\", \"*\"]\n").expect("valid");
    assert_eq!(config.allowed_registries, ["localhost:5000", "*"]);
}

#[test]
fn syntax_error() {
    let e = parse_err("select = [\"ALL\"\nignore = []\n");
    assert!(
        e.to_string().starts_with(".rdock.toml:2:1: invalid array"),
        "{e}"
    );
    insta::assert_snapshot!(render(&e));
    let e = parse_err("select = []\nselect = []\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:2:1: duplicate key `select` in document root"
    );
}

#[test]
fn columns_count_characters() {
    let e = parse_err("targets = [\"\u{e9}t\u{e9}\", \"\u{e9}\", 1]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:24: invalid type: integer `1`, expected a string in `targets`"
    );
}

#[test]
fn io_error_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".rdock.toml");
    let e = match Config::load(&path, &known) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e,
    };
    assert!(matches!(e, ConfigError::Io { .. }));
    assert_eq!(e.path(), path);
    assert!(e
        .to_string()
        .starts_with(&format!("{}: cannot read configuration: ", path.display())));
}

#[test]
fn load_reads_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rdock.toml");
    fs::write(&path, FULL).expect("write");
    let config = Config::load(&path, &known).expect("valid");
    assert_eq!(config.path.as_deref(), Some(path.as_path()));
    assert_eq!(config.targets, ["test", "release"]);
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(path, text).expect("write");
}

fn found_path(found: &Option<Arc<Config>>) -> Option<PathBuf> {
    found.as_ref().and_then(|c| c.path.clone())
}

#[test]
fn discovery_walks_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join(".rdock.toml"), "ignore = [\"RD106\"]\n");
    fs::create_dir_all(root.join("a/b")).expect("mkdir");
    let discovery = Discovery::new(known);
    let found = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&found), Some(root.join(".rdock.toml")));
    assert_eq!(found.map(|c| c.ignore.clone()), Some(vec!["RD106".into()]));
}

#[test]
fn discovery_nearer_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join(".rdock.toml"), "ignore = [\"RD106\"]\n");
    write(&root.join("a/rdock.toml"), "ignore = [\"RD101\"]\n");
    let discovery = Discovery::new(known);
    let near = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&near), Some(root.join("a/rdock.toml")));
    let near = discovery
        .for_file(&root.join("a/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&near), Some(root.join("a/rdock.toml")));
    let far = discovery
        .for_file(&root.join("c/Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&far), Some(root.join(".rdock.toml")));
}

#[test]
fn dot_name_wins_within_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("rdock.toml"), "ignore = [\"RD101\"]\n");
    write(&root.join(".rdock.toml"), "ignore = [\"RD106\"]\n");
    let found = Discovery::new(known)
        .for_file(&root.join("Dockerfile"))
        .expect("valid");
    assert_eq!(found_path(&found), Some(root.join(".rdock.toml")));
}

#[test]
fn discovery_none_found() {
    // Assumes no configuration file above the system's temporary directory.
    let dir = tempfile::tempdir().expect("tempdir");
    let discovery = Discovery::new(known);
    let file = dir.path().join("x/Dockerfile");
    assert!(discovery.for_file(&file).expect("no error").is_none());
    // Cached as none too.
    assert!(discovery.for_file(&file).expect("no error").is_none());
}

#[test]
fn discovery_caches_per_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let config = root.join(".rdock.toml");
    write(&config, "targets = [\"release\"]\n");
    fs::create_dir_all(root.join("a/b")).expect("mkdir");
    let discovery = Discovery::new(known);
    let first = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid")
        .expect("found");
    // Every directory on the way up shares the one parse...
    for file in [
        "a/b/other.Dockerfile",
        "a/Dockerfile",
        "Dockerfile",
        "c/Dockerfile",
    ] {
        let again = discovery
            .for_file(&root.join(file))
            .expect("valid")
            .expect("found");
        assert!(Arc::ptr_eq(&first, &again), "{file}");
    }
    // ...and the file is not read again.
    fs::remove_file(&config).expect("rm");
    let cached = discovery
        .for_file(&root.join("a/b/Dockerfile"))
        .expect("valid")
        .expect("found");
    assert!(Arc::ptr_eq(&first, &cached));
    // A new discovery sees the change.
    let fresh = Discovery::new(known).for_file(&root.join("a/b/Dockerfile"));
    assert!(fresh.expect("valid").is_none());
}

#[test]
fn discovery_from_many_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join(".rdock.toml"), "select = [\"RD1\"]\n");
    let discovery = Discovery::new(known);
    let found: Vec<Arc<Config>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let discovery = &discovery;
                let file = root.join(format!("d{}/Dockerfile", i % 3));
                s.spawn(move || discovery.for_file(&file))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("valid").expect("found"))
            .collect()
    });
    assert!(found.iter().all(|c| c.select == Some(vec!["RD1".into()])));
}

#[test]
fn discovery_reports_errors_with_paths_relative_to_cwd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("sub/.rdock.toml"), "ignore = [\"RD999\"]\n");
    write(&root.join(".rdock.toml"), "ignore = [\"RD106\"]\n");
    let discovery = Discovery::with_cwd(known, root.to_path_buf());
    let e = match discovery.for_file(Path::new("sub/deeper/../Dockerfile")) {
        Ok(found) => panic!("expected an error, got {found:?}"),
        Err(e) => e,
    };
    assert_eq!(
        e.to_string(),
        format!(
            "{}:1:11: unknown rule selector `RD999` in `ignore`",
            Path::new("sub").join(".rdock.toml").display()
        )
    );
    // Errors are not cached.
    assert!(discovery.for_file(Path::new("sub/Dockerfile")).is_err());
    // A file in the current directory, given as a bare name.
    let found = discovery.for_file(Path::new("Dockerfile")).expect("valid");
    assert_eq!(found_path(&found), Some(PathBuf::from(".rdock.toml")));
    let found = discovery.for_dir(Path::new(".")).expect("valid");
    assert_eq!(found_path(&found), Some(PathBuf::from(".rdock.toml")));
}

#[test]
fn normalize_is_lexical() {
    assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
    assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
}

#[test]
fn edit_distance_counts_edits() {
    assert_eq!(edit_distance("select", "select"), 0);
    assert_eq!(edit_distance("selec", "select"), 1);
    assert_eq!(edit_distance("ignroe", "ignore"), 2);
    assert_eq!(edit_distance("", "abc"), 3);
}

#[test]
fn line_col_at_edges() {
    assert_eq!(line_col("", 0), (1, 1));
    assert_eq!(line_col("ab\ncd", 3), (2, 1));
    assert_eq!(line_col("ab\ncd", 5), (2, 3));
    assert_eq!(clamp("\u{e9}", 1..9), 0..2);
}
