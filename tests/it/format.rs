//! Formatting over the whole shared corpus (`../shared/corpus/files`): for
//! every file, `syntax::format`
//! - is idempotent (formatting the output changes nothing),
//! - keeps every instruction: the same keywords (any case), flags and
//!   heredoc bodies, and arguments equal once runs of whitespace are made
//!   one space, the same comments and parser directives,
//! - keeps every line's words outside quotes, and every quoted string.

use crate::common;

use rdock::syntax::{self, format, Args, Instruction, NodeKind};

/// What an instruction means, with whitespace runs made one space.
fn meaning(inst: &Instruction) -> String {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = format!("{:?}", inst.kind());
    for f in &inst.flags {
        out.push_str(&format!(" {}", f.unquoted()));
    }
    out.push_str(&format!(" | {}", squash(&inst.args_text)));
    for h in &inst.heredocs {
        out.push_str(&format!(" <<{}:{:?}", h.name, h.content));
    }
    if let Args::Onbuild(sub) = &inst.args {
        out.push_str(&format!(" [{}]", meaning(sub)));
    }
    out
}

fn meanings(text: &str) -> Vec<String> {
    let df = syntax::parse(text);
    let mut out = Vec::new();
    for n in &df.nodes {
        match &n.kind {
            NodeKind::Instruction(i) => {
                out.push(meaning(i));
                for c in &i.comments {
                    out.push(format!("#{}", c.text.trim_end()));
                }
            }
            NodeKind::Comment(c) => out.push(format!("#{}", c.text.trim_end())),
            NodeKind::Directive(d) => out.push(format!("{}={}", d.name, d.value)),
            NodeKind::Blank => {}
        }
    }
    out.extend(df.errors.iter().map(|e| e.message.clone()));
    out
}

/// The quoted strings of `text` outside heredoc bodies, in order.
fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, inst) in syntax::parse(text).instructions().enumerate() {
        let s = &inst.args_text;
        let mut quote = None;
        let mut cur = String::new();
        for c in s.chars() {
            match quote {
                Some(q) if c == q => {
                    out.push(format!("{i}:{cur}"));
                    cur.clear();
                    quote = None;
                }
                Some(_) => cur.push(c),
                None if c == '"' || c == '\'' => quote = Some(c),
                None => {}
            }
        }
    }
    out
}

#[test]
fn formatting_the_corpus_is_idempotent_and_keeps_every_instruction() {
    let Some(files) = common::corpus_files("formatting_the_corpus") else {
        return;
    };
    let mut changed = 0;
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let once = format::format(&text);
        if once != text {
            changed += 1;
        }
        let twice = format::format(&once);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if twice != once {
            failures.push(format!("{name}: not idempotent"));
        }
        if meanings(&once) != meanings(&text) {
            let (a, b) = (meanings(&text), meanings(&once));
            let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(0);
            failures.push(format!(
                "{name}: instructions changed:\n  {:?}\n  {:?}",
                a.get(at),
                b.get(at)
            ));
        }
        if quoted(&once) != quoted(&text) {
            failures.push(format!("{name}: a quoted string changed"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!(
        "formatting changed {changed} of {} corpus files",
        files.len()
    );
}
