use super::*;
use crate::syntax;

fn run_script(df: &str) -> (String, Script) {
    let ast = syntax::parse(df);
    let inst = ast
        .instructions()
        .find(|i| i.kind() == crate::syntax::Kind::Run)
        .unwrap()
        .clone();
    let script = parse_instruction(&inst, df).unwrap();
    (df.to_string(), script)
}

fn names(s: &Script) -> Vec<String> {
    s.commands
        .iter()
        .map(|c| c.name().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn simple_commands_with_spans() {
    let (df, s) = run_script("FROM a\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n");
    assert_eq!(names(&s), ["apt-get", "apt-get", "rm"]);
    let rm = &s.commands[2];
    assert_eq!(&df[rm.words[2].span.range()], "/var/lib/apt/lists/*");
    assert!(s.commands[1].ctx.conditional);
    assert!(s.commands[1].has_flag("-y"));
    assert!(s.error.is_none());
}

#[test]
fn redirections_and_pipelines() {
    let (df, s) = run_script("FROM a\nRUN curl -fsSL https://x | sh -s -- > /tmp/log 2>&1\n");
    assert_eq!(names(&s), ["curl", "sh"]);
    assert_eq!(s.pipelines.len(), 1);
    let r = &s.commands[1].redirects;
    assert_eq!(r[0].op, RedirectOp::Write);
    assert_eq!(&df[r[0].target.as_ref().unwrap().span.range()], "/tmp/log");
    assert_eq!(r[1].op, RedirectOp::DupOutput);
    assert!(!r[1].writes_file());
}

#[test]
fn heredoc_bodies_are_scripts() {
    let (df, s) = run_script("FROM a\nRUN <<EOF\nset -e\necho hi > /x\nEOF\n");
    assert_eq!(names(&s), ["set", "echo"]);
    assert_eq!(
        &df[s.commands[1].redirects[0]
            .target
            .as_ref()
            .unwrap()
            .span
            .range()],
        "/x"
    );
    let (_, s) = run_script("FROM a\nRUN cat <<EOF > /file\nhello\nEOF\n");
    assert_eq!(names(&s), ["cat"]);
    assert_eq!(s.commands[0].redirects.len(), 2);
}

#[test]
fn substitutions_and_compound_commands() {
    let (df, s) = run_script("FROM a\nRUN for f in a b; do make -C \"$f\" -j$(nproc); done && if [ -d x ]; then cd x; fi\n");
    // Substitutions run before the command that holds them.
    assert_eq!(names(&s), ["nproc", "make", "[", "cd"]);
    assert!(s.commands[1].ctx.in_loop);
    assert!(s.commands[0].ctx.in_substitution);
    assert_eq!(&df[s.commands[0].words[0].span.range()], "nproc");
    assert!(s.commands[3].ctx.conditional);
}

#[test]
fn exec_form() {
    let (df, s) = run_script("FROM a\nRUN [\"apt-get\", \"install\", \"-y\", \"x\"]\n");
    assert_eq!(names(&s), ["apt-get"]);
    assert_eq!(&df[s.commands[0].words[3].span.range()], "\"x\"");
    let (df, s) = run_script("FROM a\nRUN [\"/bin/sh\", \"-c\", \"echo hi > /f\"]\n");
    assert_eq!(names(&s), ["echo"]);
    assert_eq!(
        &df[s.commands[0].redirects[0]
            .target
            .as_ref()
            .unwrap()
            .span
            .range()],
        "/f"
    );
}

#[test]
fn literals() {
    assert_eq!(literal("'a b'").as_deref(), Some("a b"));
    assert_eq!(literal("\"a\\\"b\"").as_deref(), Some("a\"b"));
    assert_eq!(literal("a\\ b").as_deref(), Some("a b"));
    assert_eq!(literal("$HOME/x"), None);
    assert_eq!(literal("'$HOME'").as_deref(), Some("$HOME"));
    assert_eq!(literal("/tmp/*.log").as_deref(), Some("/tmp/*.log"));
    assert_eq!(literal("cost$").as_deref(), Some("cost$"));
}

#[test]
fn broken_shell_is_an_error_not_a_panic() {
    let (_, s) = run_script("FROM a\nRUN echo \"unterminated\n");
    assert!(s.error.is_some());
    let (_, s) = run_script("FROM a\nRUN if then fi\n");
    assert!(s.error.is_some());
}

/// 10,000 nested `$(` overflowed brush-parser's stack (found by
/// tests/it/limits.rs after RUN bodies were parsed for every lint): deeper
/// than MAX_NESTING is an error, and MAX_NESTING itself still parses on a
/// test thread's small stack.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let nest = |d: usize| format!("{}true{}", "echo $(".repeat(d), ")".repeat(d));
    let deep = super::parse(&ScriptSource::contiguous(&nest(10_000), 0));
    let err = deep.error.expect("an error");
    assert!(
        err.message.contains("nests more than 64 levels"),
        "{}",
        err.message
    );
    let ok = super::parse(&ScriptSource::contiguous(&nest(super::MAX_NESTING - 1), 0));
    assert!(ok.error.is_none(), "{:?}", ok.error);
    assert!(!ok.commands.is_empty());
    for body in [
        "(".repeat(10_000),
        "if true; then ".repeat(10_000),
        "{ ".repeat(10_000),
    ] {
        assert!(super::parse(&ScriptSource::contiguous(&body, 0))
            .error
            .is_some());
    }
}

/// A pipeline inside a multi-line `$( ... )` assigned to a variable (the
/// php images' `runDeps="$( scanelf ... | tr ... )"`): listed once, at its
/// place in the file.
#[test]
fn pipeline_in_a_multiline_assignment_substitution() {
    let (df, s) = run_script("FROM a\nRUN set -eux; \\\n\trunDeps=\"$( \\\n\t\tscanelf --needed /usr/local \\\n\t\t\t| tr , x \\\n\t)\"; \\\n\techo $runDeps\n");
    assert_eq!(names(&s), ["set", "scanelf", "tr", "?", "echo"]);
    assert_eq!(s.pipelines.len(), 1);
    assert_eq!(&df[s.commands[1].words[0].span.range()], "scanelf");
    assert_eq!(&df[s.commands[2].span.range()], "tr , x");
    let a = &s.commands[3].assignments[0];
    assert_eq!(a.name, "runDeps");
    assert!(df[a.value.span.range()].starts_with("\"$( "));
    assert!(s.commands[1].ctx.in_substitution);
}

/// Commands in the word list of `for` and the word of `case` run too.
#[test]
fn substitutions_in_for_and_case_words() {
    let (df, s) = run_script("FROM a\nRUN for f in $(git status | awk '{print $2}'); do echo $f; done; case $(uname -m) in x86_64) echo x;; esac\n");
    assert_eq!(names(&s), ["git", "awk", "echo", "uname", "echo"]);
    assert_eq!(s.pipelines.len(), 1);
    assert_eq!(&df[s.commands[1].words[0].span.range()], "awk");
    assert!(s.commands[0].ctx.in_substitution && !s.commands[0].ctx.in_loop);
}

/// The memo of parsed scripts gives what parsing gives, wherever the same
/// RUN body has moved to in the file.
#[test]
fn memo_gives_the_parse_of_moved_scripts() {
    let mut files: Vec<String> = Vec::new();
    for dir in ["tests/fixtures", "examples"] {
        for entry in walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) {
            if let Ok(t) = std::fs::read_to_string(&entry) {
                files.push(t);
            }
        }
    }
    assert!(files.len() > 50, "fixtures not found");
    let mut checked = 0;
    for text in &files {
        // The file as is, then moved by a line, then by a multi-byte character.
        for prefix in ["", "# moved\n", "# é\n", ""] {
            let df = format!("{prefix}{text}");
            let ast = syntax::parse(&df);
            for inst in ast.instructions() {
                let Some(src) = script_source(inst, &df) else {
                    continue;
                };
                assert_eq!(parse(&src), parse_uncached(&src), "{df}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

fn walk(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(p));
        } else if p.extension().is_some_and(|x| x == "Dockerfile") {
            out.push(p);
        }
    }
    out
}

/// brush-parser's work doubles with every `(` left open (30 took 51 s; the
/// shell fuzz target found it): past a dozen the script is reported, at the
/// first unclosed bracket, without parsing. Brackets in quotes, comments and
/// balanced ones do not count.
#[test]
fn many_unclosed_subshells_are_an_error_not_a_hang() {
    for body in [
        "(".repeat(40),
        "( ".repeat(40),
        "a; ".to_owned() + &"((".repeat(20),
    ] {
        let start = std::time::Instant::now();
        let s = super::parse(&ScriptSource::contiguous(&body, 0));
        let err = s.error.expect("an error");
        assert!(err.message.contains("are never closed"), "{}", err.message);
        assert_eq!(&body[err.span.start..err.span.end], "(");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
    assert_eq!(
        super::unclosed_subshells("echo '((((' \"(($(a (b)) c\" # ((\n(x"),
        (1, Some(32))
    );
    assert_eq!(super::unclosed_subshells("( ( (a) ) )"), (0, None));
    assert_eq!(super::unclosed_subshells("$( (a"), (1, Some(3)));
    let balanced = format!("{}true{}", "( ".repeat(40), " )".repeat(40));
    let s = super::parse(&ScriptSource::contiguous(&balanced, 0));
    assert!(s.error.is_none(), "{:?}", s.error);
}
