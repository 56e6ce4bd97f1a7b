//! Configuration files: discovery, strict parsing and the messages a
//! mistake gets.

use super::*;

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

/// Stands in for the parallelizer's models: a table named `bad` is wrong.
fn check_commands(text: &str) -> Result<Vec<BadCommand>, toml::de::Error> {
    #[derive(serde::Deserialize)]
    struct Command {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct File {
        command: Vec<Command>,
    }
    let file: File = toml::from_str(text)?;
    Ok(file
        .command
        .into_iter()
        .filter(|c| c.name == "bad")
        .map(|c| (c.name, "it is bad".to_owned()))
        .collect())
}

const VOCAB: Vocabulary = Vocabulary {
    is_known_selector: known,
    check_commands,
};

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str(text, Path::new(".rdock.toml"), &VOCAB)
}

fn parse_err(text: &str) -> ConfigError {
    match parse(text) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e,
    }
}

/// The error `text` gets, checked: its one-line message and its help.
fn error_with(text: &str, message: &str, help_text: Option<&str>) -> ConfigError {
    let e = parse_err(text);
    assert_eq!(e.to_string(), message);
    assert_eq!(help(&e), help_text);
    e
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
        ConfigError::Io { .. } | ConfigError::Ambiguous { .. } => None,
    }
}

const FULL: &str = r#"# rdock configuration
select = ["ALL"]
extend-select = ["RD203"]
ignore = ["RD106", "unreachable-stage"]
fail-level = "warning"
targets = ["test", "release"]
allowed-registries = ["docker.io", "*.example.com"]
root = true

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
        root: true,
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
    let e = error_with(
        "select = [\"ALL\"]\nselec = [\"RD1\"]\n",
        ".rdock.toml:2:1: unknown key `selec`",
        Some("did you mean `select`?"),
    );
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
    let e = error_with(
        "# comment\nselect = \"ALL\"\n",
        ".rdock.toml:2:10: invalid type: string \"ALL\", expected a sequence in `select`",
        Some(KEYS[0].1),
    );
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
    let e = error_with(
        "ignore = []\n\n[build-args]\nVERSION = 1.2\n",
        ".rdock.toml:4:11: invalid type: floating point `1.2`, expected a string in `build-args`",
        Some(KEYS[6].1),
    );
    insta::assert_snapshot!(render(&e));
}

#[test]
fn bad_severity() {
    let e = error_with(
        "select = [\"ALL\"]\n[severity]\nRD101 = \"fatal\"\n",
        ".rdock.toml:3:9: unknown severity `fatal`",
        Some(SEVERITY_HELP),
    );
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
    let e = error_with(
        "select = [\"ALL\"]\nextend-select = []\nignore = [\"RD106\", \"RD999\"]\n",
        ".rdock.toml:3:20: unknown rule selector `RD999` in `ignore`",
        Some(SELECTOR_HELP),
    );
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
    error_with(
        "allowed-registries = [\"ghcr.io\", \"ghcr.io/org\"]\n",
        ".rdock.toml:1:34: invalid registry `ghcr.io/org` in `allowed-registries`: it has a `/`; give the host name only, e.g. `ghcr.io`, not an image path",
        Some(KEYS[7].1),
    );
    let e = parse_err("allowed-registries = [\"\"]\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:1:23: invalid registry `` in `allowed-registries`: it is empty"
    );
    error_with(
        "allowed-registries = \"docker.io\"\n",
        ".rdock.toml:1:22: invalid type: string \"docker.io\", expected a sequence in `allowed-registries`",
        Some(KEYS[7].1),
    );
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

/// A long line is not echoed whole: the excerpt is a window of the line
/// around the error, and the location is still the file's.
#[test]
fn a_long_line_is_clipped_in_the_excerpt() {
    for text in [
        format!("select = {}{}\n", "[".repeat(200_000), "]".repeat(200_000)),
        format!("ignore = []\nselect = [\"{}\", 1]\n", "a".repeat(400_000)),
    ] {
        let e = parse_err(&text);
        let shown = render(&e);
        assert!(
            shown.len() < 2_000,
            "{} bytes:\n{}",
            shown.len(),
            &shown[..2_000]
        );
        let (line, col) = match &e {
            ConfigError::Parse(p) => p.line_col.expect("located"),
            _ => panic!("{e}"),
        };
        assert!(
            shown.contains(&format!("[.rdock.toml:{line}:{col}]")),
            "{shown}"
        );
    }
    // A short file is shown whole, as before.
    let shown = render(&parse_err("select = [\"ALL\"]\nfail-level = \"x\"\n"));
    assert!(shown.contains(" 1 │ select = [\"ALL\"]"), "{shown}");
    assert!(shown.contains(" 2 │ fail-level = \"x\""), "{shown}");
}

/// A command model's cost is a number of seconds, finite and not negative.
#[test]
fn command_cost_must_be_a_finite_number_of_seconds() {
    let real =
        |text: &str| Config::from_str(text, Path::new(".rdock.toml"), &crate::settings::VOCABULARY);
    for bad in ["nan", "inf", "-inf", "-5", "-0.5"] {
        let text = format!("[[command]]\nname = \"gen\"\nkind = \"pure\"\ncost = {bad}\n");
        let e = real(&text).expect_err(bad);
        assert!(e.to_string().contains("bad `cost`"), "{bad}: {e}");
        assert!(e.to_string().contains("`gen`"), "{bad}: {e}");
    }
    for good in ["0", "2.5", "\"operand:1\""] {
        let text = format!("[[command]]\nname = \"gen\"\nkind = \"pure\"\ncost = {good}\n");
        real(&text).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

/// A `[[command]]` table the vocabulary finds wrong is an error naming it,
/// with the help for `[[command]]`; one it cannot read at all is located
/// like any type error.
#[test]
fn bad_command_tables() {
    let e = parse_err("[[command]]\nname = \"bad\"\n");
    assert_eq!(e.to_string(), ".rdock.toml: `[[command]]` `bad`: it is bad");
    assert!(
        help(&e).is_some_and(|h| h.starts_with("`[[command]]` tables")),
        "{:?}",
        help(&e)
    );
    let e = parse_err("[[command]]\nname = 1\n");
    assert_eq!(
        e.to_string(),
        ".rdock.toml:2:8: invalid type: integer `1`, expected a string in `command`"
    );
    let config = parse("[[command]]\nname = \"good\"\n").expect("valid");
    assert_eq!(config.commands.len(), 1);
}

#[test]
fn line_col_at_edges() {
    assert_eq!(line_col("", 0), (1, 1));
    assert_eq!(line_col("ab\ncd", 3), (2, 1));
    assert_eq!(line_col("ab\ncd", 5), (2, 3));
    assert_eq!(clamp("\u{e9}", 1..9), 0..2);
}
