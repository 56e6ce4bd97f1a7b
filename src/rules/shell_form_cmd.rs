use super::util::earlier_in_chain;
use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

declare_rule! {
    /// CMD or ENTRYPOINT in shell form.
    ShellFormCmd: RD201 "shell-form-cmd", Warning, "CMD or ENTRYPOINT in shell form";
    fix: Sometimes, hadolint: ["DL3025"], buildkit: "JSONArgsRecommended"
}

/// Words that `sh -c` reads as something other than a program to run:
/// reserved words, and the builtins that exist only inside a shell or
/// change the shell itself (`exec`, `cd`, `export`, `.`), so that
/// `["exec", ...]` or `["if", ...]` would not start.
const NOT_A_PROGRAM: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "function", "select", "time", "coproc", "exec", "cd", "export", "set", "unset", "source",
    ".", "eval", "trap", "readonly", "local", "declare", "typeset", "alias", "ulimit", "umask",
    "shift", "return", "break", "continue", "exit", "wait", "builtin", "command", "hash", "read",
    "times", "jobs", "fg", "bg", "let", "shopt", "getopts",
];

/// The words of a command that is a plain simple command: no quoting,
/// variables, globs, redirections or operators, no leading assignment
/// (`FOO=bar app`), and a first word that names a program, not a reserved
/// word or a shell builtin, so `sh -c` would run exactly these words.
fn plain_words(cmd: &str, escape: char) -> Option<Vec<&str>> {
    let plain = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '@' | '%' | '+' | ',')
    };
    if cmd.contains(escape) {
        return None;
    }
    let words: Vec<&str> = cmd.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
    let ok = !words.is_empty() && words.iter().all(|w| w.chars().all(plain));
    let first = words.first()?;
    let program = !first.contains('=') && !NOT_A_PROGRAM.contains(first);
    (ok && program).then_some(words)
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for (ii, stage, inst) in model.instructions_of(&[Kind::Cmd, Kind::Entrypoint]) {
        let Some(stage) = stage else { continue };
        let Args::Shell(cmd) = &inst.args else {
            continue;
        };
        // As BuildKit: with a SHELL set, the shell form is the author's choice.
        if earlier_in_chain(model, stage, ii, Kind::Shell) {
            continue;
        }
        let name = inst.kind().as_str();
        let d = cx.report(
            &META,
            Span::new(inst.keyword.span.start, inst.args_span.end.max(inst.keyword.span.end)),
            format!(
                "JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"
            ),
        )
        .label("shell form: runs under /bin/sh -c")
        .help(format!(
            "write {name} [\"executable\", \"arg\"...] so the program runs as PID 1 and gets SIGTERM"
        ));
        if cmd.span.len() != cmd.text.len() {
            continue;
        }
        if let Some(words) = plain_words(&cmd.text, model.ast.escape) {
            let json = words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ");
            d.fix = Some(Fix::unsafe_(
                format!("Write {name} in JSON form"),
                vec![Edit::replace(cmd.span, format!("[{json}]"))],
            ));
        }
    }
}
