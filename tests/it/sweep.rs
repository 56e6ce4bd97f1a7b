//! The whole shared corpus: no panic, the model prints back to the same
//! bytes, every span is inside the file and on character boundaries, and
//! every fix (unsafe ones included) gives a file that parses as well as
//! before and does not change when fixed again.

use crate::common;

use rdock::settings::{Overrides, Settings};
use rdock::syntax::{self, Args, Instruction, NodeKind};
use rdock::Span;

fn check_span(text: &str, span: Span, what: &str) -> Result<(), String> {
    if span.start > span.end || span.end > text.len() {
        return Err(format!(
            "{what} span {span:?} outside the file ({} bytes)",
            text.len()
        ));
    }
    if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
        return Err(format!("{what} span {span:?} not on a character boundary"));
    }
    Ok(())
}

fn check_instruction(text: &str, inst: &Instruction) -> Result<(), String> {
    check_span(text, inst.span, "instruction")?;
    check_span(text, inst.keyword.span, "keyword")?;
    check_span(text, inst.args_span, "arguments")?;
    let kw = &text[inst.keyword.span.range()];
    // A keyword split by a line continuation spans the continuation too.
    if !kw.contains('\n') && !kw.eq_ignore_ascii_case(&inst.keyword.text) {
        return Err(format!(
            "keyword span does not hold `{}`",
            inst.keyword.text
        ));
    }
    for f in &inst.flags {
        check_span(text, f.span, "flag")?;
        check_span(text, f.name_span, "flag name")?;
        if let Some(v) = f.value_span {
            check_span(text, v, "flag value")?;
        }
    }
    let mut words = Vec::new();
    match &inst.args {
        Args::Exec(w) | Args::List(w) => words.extend(w.iter()),
        Args::Shell(w) | Args::Text(w) => words.push(w),
        Args::KeyValues { pairs, .. } => {
            for p in pairs {
                check_span(text, p.span, "pair")?;
                words.push(&p.key);
                words.extend(p.value.iter());
            }
        }
        Args::Healthcheck { mode, .. } => words.push(mode),
        Args::Onbuild(sub) => check_instruction(text, sub)?,
        Args::None => {}
    }
    for w in words {
        check_span(text, w.span, "word")?;
    }
    for h in &inst.heredocs {
        check_span(text, h.opener, "heredoc opener")?;
        check_span(text, h.content_span, "heredoc body")?;
        if text[h.content_span.range()] != h.content {
            return Err("heredoc content differs from its span".into());
        }
    }
    for c in &inst.comments {
        check_span(text, c.span, "comment")?;
    }
    Ok(())
}

/// Everything the sweep asserts about one text.
pub fn sweep_one(text: &str) -> Result<(), String> {
    let df = syntax::parse(text);
    let printed = syntax::printer::print(&df, text).ok_or("nodes do not tile the file")?;
    if printed != text {
        return Err("the model does not print back to the same bytes".into());
    }
    for node in &df.nodes {
        check_span(text, node.lines, "node")?;
        match &node.kind {
            NodeKind::Instruction(i) => check_instruction(text, i)?,
            NodeKind::Comment(c) => check_span(text, c.span, "comment")?,
            NodeKind::Directive(d) => check_span(text, d.span, "directive")?,
            NodeKind::Blank => {}
        }
    }
    let settings = Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            ..Overrides::default()
        },
    );
    for d in rdock::check(text, &settings) {
        check_span(text, d.span, d.code)?;
        for r in &d.related {
            check_span(text, r.span, "related")?;
        }
        for e in d.fix.iter().flat_map(|f| &f.edits) {
            check_span(text, e.span, "edit")?;
        }
    }
    let fixed = rdock::check_and_fix(text, &settings, true).map_err(|e| e.to_string())?;
    let again = rdock::check_and_fix(&fixed.text, &settings, true).map_err(|e| e.to_string())?;
    if again.text != fixed.text {
        return Err("fixing the fixed file changes it again".into());
    }
    if syntax::parse(&fixed.text).errors.len() > df.errors.len() {
        return Err("fixes added syntax errors".into());
    }
    Ok(())
}

#[test]
fn corpus_sweep() {
    let Some(files) = common::corpus_files("corpus_sweep") else {
        return;
    };
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("corpus files are UTF-8");
        let result = std::panic::catch_unwind(|| sweep_one(&text));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{}: {e}", f.display())),
            Err(_) => failures.push(format!("{}: panicked", f.display())),
        }
    }
    eprintln!("swept {} corpus files", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A byte order mark alone, or before little else (the parser fuzzer found
/// the first: no node covered the mark, so the tree did not print back).
#[test]
fn byte_order_marks_print_back() {
    for text in [
        "\u{feff}",
        "\u{feff}\n",
        "\u{feff}\r\n",
        "\u{feff}# c\n",
        "\u{feff}FROM a\n",
    ] {
        assert_eq!(sweep_one(text), Ok(()), "{text:?}");
    }
}

/// A shell syntax error at a character wider than a byte (the lint fuzzer
/// found RD305's span ending inside one).
#[test]
fn shell_errors_at_wide_characters_span_whole_characters() {
    for text in [
        "FROM debian:12\nRUN (~d /tmp && ls)\u{fffd}\u{fffd}\n",
        "FROM debian:12\nRUN echo é)ü\n",
        "FROM debian:12\nRUN if then 日本\n",
    ] {
        assert_eq!(sweep_one(text), Ok(()), "{text:?}");
    }
}

#[test]
fn fixtures_sweep() {
    let dir = common::root().join("tests/fixtures");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        for f in common::fixtures(&entry.unwrap().path()) {
            let text = std::fs::read_to_string(&f).unwrap();
            if let Err(e) = sweep_one(&text) {
                panic!("{}: {e}", f.display());
            }
            n += 1;
        }
    }
    assert!(n > 20);
}

mod properties {
    use proptest::prelude::*;

    /// Pieces of Dockerfile syntax that exercise the parser's corners.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("FROM alpine AS build".to_string()),
            Just("from Build as x".to_string()),
            Just("FROM ${BASE:-alpine}".to_string()),
            Just("ARG BASE=alpine".to_string()),
            Just("RUN echo hi \\".to_string()),
            Just("RUN <<EOF".to_string()),
            Just("RUN cat <<-'EOT' > /f <<X".to_string()),
            Just("EOF".to_string()),
            Just("\tEOT".to_string()),
            Just("COPY --from=build --link [\"a\", \"b\"]".to_string()),
            Just("COPY --from=0 /a /b".to_string()),
            Just("RUN --mount=type=cache,from=build,target=/c ls".to_string()),
            Just("ENV A=1 B=\"x y\" C".to_string()),
            Just("LABEL a b".to_string()),
            Just("HEALTHCHECK --interval=1s CMD [\"x\"]".to_string()),
            Just("ONBUILD RUN <<EOF".to_string()),
            Just("# escape=`".to_string()),
            Just("# check=skip=all".to_string()),
            Just("# rdock ignore=RD101".to_string()),
            Just("\\".to_string()),
            Just("`".to_string()),
            Just("".to_string()),
            Just("   ".to_string()),
            "[ -~]{0,20}".prop_map(|s| s),
            "\\PC{0,8}".prop_map(|s| s),
        ]
    }

    fn dockerfile() -> impl Strategy<Value = String> {
        (prop::collection::vec(fragment(), 0..24), any::<bool>()).prop_map(|(lines, crlf)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            lines.join(nl)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn any_text_never_panics_and_prints_back(text in "\\PC*") {
            prop_assert_eq!(super::sweep_one(&text), Ok(()));
        }

        #[test]
        fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            prop_assert_eq!(super::sweep_one(&text), Ok(()));
        }

        #[test]
        fn dockerfile_like_text_never_panics_and_fixes_settle(text in dockerfile()) {
            prop_assert_eq!(super::sweep_one(&text), Ok(()));
        }
    }
}
