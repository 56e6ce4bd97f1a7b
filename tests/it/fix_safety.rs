//! Fix safety over the whole shared corpus (`../shared/corpus/files`): for
//! every file, `rdock lint --fix --unsafe-fixes` (every rule selected)
//! - never panics and settles,
//! - gives text that parses no worse than the input,
//! - is idempotent (fixing the output again changes nothing),
//! - keeps every comment and parser directive,
//! - changes nothing outside the spans of the edits the fixes declared, pass
//!   by pass.
//!
//! The command line is run once over a copy of the corpus and must write
//! exactly what the library's fix loop computes, so the checks hold for what
//! users get.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use rdock::fix::Applicability;
use rdock::settings::{Overrides, Settings};
use rdock::syntax::{self, NodeKind};
use rdock::Span;

fn settings() -> Settings {
    Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            ..Overrides::default()
        },
    )
}

/// Every comment and directive of a file, as written, with its count.
fn comments(text: &str) -> BTreeMap<String, usize> {
    let df = syntax::parse(text);
    let mut out = BTreeMap::new();
    let mut add = |span: Span| {
        *out.entry(text[span.range()].trim_end().to_string())
            .or_insert(0) += 1;
    };
    for node in &df.nodes {
        match &node.kind {
            NodeKind::Comment(c) => add(c.span),
            NodeKind::Directive(d) => add(d.span),
            NodeKind::Instruction(i) => i.comments.iter().for_each(|c| add(c.span)),
            NodeKind::Blank => {}
        }
    }
    out
}

/// `after` is `before` with only the text inside `spans` replaced: the text
/// between the (merged) spans is found in `after`, in order, with the first
/// piece as a prefix and the last as a suffix.
fn changes_only_inside(before: &str, after: &str, spans: &[Span]) -> Result<(), String> {
    let mut spans = spans.to_vec();
    spans.sort_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(m) if s.start <= m.end => m.end = m.end.max(s.end),
            _ => merged.push(s),
        }
    }
    let mut gaps = Vec::new();
    let mut pos = 0;
    for s in &merged {
        gaps.push(&before[pos..s.start]);
        pos = s.end;
    }
    let last = &before[pos..];
    let first = gaps.first().copied().unwrap_or(last);
    if !after.starts_with(first) {
        return Err(format!("the text before the first edit changed: {first:?}"));
    }
    if !after.ends_with(last) || after.len() < last.len() {
        return Err(format!("the text after the last edit changed: {last:?}"));
    }
    if merged.is_empty() {
        return (before == after)
            .then_some(())
            .ok_or_else(|| "text changed with no edit".into());
    }
    let end = after.len() - last.len();
    let mut at = first.len();
    for gap in gaps.iter().skip(1) {
        match after.get(at..end).and_then(|rest| rest.find(gap)) {
            Some(i) => at += i + gap.len(),
            None => return Err(format!("the text {gap:?} between two edits changed")),
        }
    }
    if at > end {
        return Err("the edits overlap the end of the file".into());
    }
    Ok(())
}

/// The fix loop of `check_and_fix`, pass by pass, checking each pass's
/// change against the edits declared in it. Returns the fixed text.
fn fix_checking_spans(text: &str, settings: &Settings) -> Result<String, String> {
    let mut current = text.to_string();
    for _ in 0..rdock::MAX_FIX_PASSES {
        let diags = rdock::check(&current, settings);
        let fixes: Vec<_> = diags
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| f.applicability != Applicability::DisplayOnly)
            .collect();
        let (next, n) = rdock::fix::apply_fixes(&current, fixes.iter().copied());
        if fixes.is_empty() || n == 0 || next == current {
            return Ok(current);
        }
        let spans: Vec<Span> = fixes
            .iter()
            .flat_map(|f| f.edits.iter().map(|e| e.span))
            .collect();
        changes_only_inside(&current, &next, &spans)?;
        current = next;
    }
    Err("fixes did not settle".into())
}

/// How many instructions look like exec (JSON) form but do not parse as it.
fn broken_json(text: &str) -> usize {
    syntax::parse(text)
        .instructions()
        .filter(|i| i.args_text.trim_start().starts_with('[') && !i.is_exec_form())
        .count()
}

fn check_file(text: &str, settings: &Settings) -> Result<String, String> {
    let fixed = rdock::check_and_fix(text, settings, true).map_err(|e| e.to_string())?;
    let stepwise = fix_checking_spans(text, settings)?;
    if stepwise != fixed.text {
        return Err("the fix loop and its pass-by-pass replay disagree".into());
    }
    let errors_before = syntax::parse(text).errors.len();
    let errors_after = syntax::parse(&fixed.text).errors.len();
    if errors_after > errors_before {
        return Err(format!(
            "fixes added syntax errors ({errors_before} -> {errors_after})"
        ));
    }
    // A fix never breaks a JSON (exec form) array into a shell string.
    let broken_before = broken_json(text);
    let broken_after = broken_json(&fixed.text);
    if broken_after > broken_before {
        return Err(format!(
            "fixes broke exec-form JSON arrays ({broken_before} -> {broken_after})"
        ));
    }
    let again = rdock::check_and_fix(&fixed.text, settings, true).map_err(|e| e.to_string())?;
    if again.text != fixed.text || again.applied != 0 {
        return Err("fixing the fixed file changes it again".into());
    }
    let before = comments(text);
    let after = comments(&fixed.text);
    for (comment, n) in &before {
        let m = after.get(comment).copied().unwrap_or(0);
        if m < *n {
            return Err(format!("the comment {comment:?} was lost ({n} -> {m})"));
        }
    }
    Ok(fixed.text)
}

#[test]
fn corpus_fix_safety() {
    let Some(files) = common::corpus_files("corpus_fix_safety") else {
        return;
    };
    let settings = settings();
    let copy = tempfile::tempdir().expect("tempdir");
    let mut expected = Vec::new();
    let mut failures = Vec::new();
    let mut changed = 0;
    for f in &files {
        let bytes = std::fs::read(f).expect("read corpus file");
        let name = f.file_name().expect("file name");
        std::fs::write(copy.path().join(name), &bytes).expect("copy corpus file");
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        match std::panic::catch_unwind(|| check_file(&text, &settings)) {
            Ok(Ok(fixed)) => {
                changed += usize::from(fixed != text);
                expected.push((name.to_owned(), fixed));
            }
            Ok(Err(e)) => failures.push(format!("{}: {e}", f.display())),
            Err(_) => failures.push(format!("{}: panicked", f.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "fix safety: {} files, {changed} changed by fixes",
        files.len()
    );
    assert!(
        changed > 0,
        "no corpus file had a fix: the sweep checks nothing"
    );

    // The command line writes what the library computed.
    let out = cargo_bin_cmd!("rdock")
        .current_dir(copy.path())
        .args([
            "lint",
            "--no-config",
            "--select",
            "ALL",
            "--fix",
            "--unsafe-fixes",
        ])
        .args(["--output-format", "concise", "--quiet", "."])
        .output()
        .expect("run rdock");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "rdock lint --fix exited {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, fixed) in &expected {
        let written = std::fs::read_to_string(copy.path().join(name)).expect("read fixed file");
        assert!(
            written == *fixed,
            "{}: the CLI wrote something else than the library's fix",
            Path::new(name).display()
        );
    }
}

#[test]
fn span_check_catches_changes_outside_edits() {
    let s = |a, b| Span::new(a, b);
    assert!(changes_only_inside("FROM a as b\n", "FROM a AS b\n", &[s(7, 9)]).is_ok());
    assert!(changes_only_inside("FROM a as b\n", "FROM x AS b\n", &[s(7, 9)]).is_err());
    assert!(changes_only_inside("FROM a as b\n", "FROM a AS c\n", &[s(7, 9)]).is_err());
    assert!(changes_only_inside("a b c", "A b C", &[s(0, 1), s(4, 5)]).is_ok());
    assert!(changes_only_inside("a b c", "A x C", &[s(0, 1), s(4, 5)]).is_err());
    assert!(changes_only_inside("abc", "abc", &[]).is_ok());
    assert!(changes_only_inside("abc", "abd", &[]).is_err());
    assert!(changes_only_inside("abc", "ab", &[s(2, 3)]).is_ok());
}

/// Deleting an unreachable stage keeps the comments above it, between its
/// instructions and inside its line continuations (the corpus sweep found
/// the deletion dropping them).
#[test]
fn deleting_a_stage_keeps_its_comments() {
    let text = "\
FROM alpine AS used
RUN echo used

# tools we no longer need
FROM alpine AS unused
# fetch them
RUN apk add \\
    # the client
    curl
FROM alpine
COPY --from=used /x /x
";
    let fixed = check_file(text, &settings()).expect("safe fixes");
    assert_eq!(
        fixed,
        "\
FROM alpine AS used
RUN echo used

# tools we no longer need
# fetch them
# the client
FROM alpine
COPY --from=used /x /x
"
    );
}

/// Found by fuzzing (fuzz/corpus/fix/regression-escape-comment): deleting the
/// first stage kept a later `# escape=` comment, which then sat after the
/// file's directives and became a second `escape` directive.
#[test]
fn deleting_the_first_stage_never_turns_a_comment_into_a_directive() {
    let text = "\
# escape=`
FROM alpine AS unused
# escape=`
RUN echo unused
FROM alpine AS used
RUN echo used
";
    let fixed = check_file(text, &settings()).expect("fixes keep the file valid");
    assert_eq!(fixed, text, "no fix is offered for this stage");
    // A plain comment is kept as usual.
    let text = text.replacen("# escape=`\nRUN", "# not used\nRUN", 1);
    let fixed = check_file(&text, &settings()).expect("fixes keep the file valid");
    assert_eq!(
        fixed,
        "# escape=`\n# not used\nFROM alpine AS used\nRUN echo used\n"
    );
}

/// The fuzzed case itself: the `# escape=` comment is the next stage's, right
/// after the deleted first stage.
#[test]
fn deleting_the_first_stage_never_moves_a_comment_into_the_directives() {
    let text = "\
# escape=`
FROM alpine AS base
RUN echo unused
# escape=`
FROM alpine AS base
RUN echo used
";
    let fixed = check_file(text, &settings()).expect("fixes keep the file valid");
    assert!(fixed.contains("RUN echo unused"), "{fixed}");
}

/// Exec-form RUNs: a fix that would put a flag outside the JSON strings
/// (`["apt-get", "install" -y, "curl"]`) or glue it to an argument is not
/// offered; inside `["sh", "-c", "..."]` the script is edited as shell.
#[test]
fn fixes_keep_exec_form_runs_json() {
    let text = r#"FROM debian:12.4
RUN ["apt-get", "install", "curl"]
RUN ["sh", "-c", "apt-get install curl && rm -rf /var/lib/apt/lists/*"]
RUN ["pip", "install", "flask"]
RUN ["wget", "https://example.com/x"]
RUN ["useradd", "-u", "123456789", "app"]
RUN ["apk", "add", "curl"]
RUN ["apt", "install", "-y", "curl"]
RUN ["yum", "install", "curl"]
RUN ["zypper", "install", "curl"]
RUN ["dnf", "install", "curl"]
"#;
    let fixed = check_file(text, &settings()).unwrap();
    let lines: Vec<&str> = fixed.lines().collect();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("RUN [\"sh\"") {
            assert_eq!(
                lines[i],
                r#"RUN ["sh", "-c", "apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*"]"#
            );
        } else {
            assert_eq!(lines[i], line, "exec form changed");
        }
    }
    // The findings are still reported, without a fix.
    let found = rdock::check(text, &settings());
    assert!(found.iter().any(|d| d.code == "RD400" && d.fix.is_none()));
}
