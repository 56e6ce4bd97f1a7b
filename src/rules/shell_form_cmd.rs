use super::util::earlier_in_chain;
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::{Severity, Span};
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

/// CMD or ENTRYPOINT in shell form.
pub(crate) struct ShellFormCmd;

static META: RuleMeta = RuleMeta {
    id: "RD201",
    slug: "shell-form-cmd",
    summary: "CMD or ENTRYPOINT in shell form",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3025"],
    buildkit: Some("JSONArgsRecommended"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/shell-form-cmd.md"),
};

/// The words of a command that is a plain word list: no quoting, variables,
/// globs, redirections or operators, so `sh -c` would run exactly these words.
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
    ok.then_some(words)
}

impl Rule for ShellFormCmd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for stage in &model.stages {
            for &ii in &stage.body {
                let inst = model.instruction(ii);
                if !matches!(inst.kind(), Kind::Cmd | Kind::Entrypoint) {
                    continue;
                }
                let Args::Shell(cmd) = &inst.args else {
                    continue;
                };
                // As BuildKit: with a SHELL set, the shell form is the author's choice.
                if earlier_in_chain(model, stage.index, ii, Kind::Shell) {
                    continue;
                }
                let name = inst.kind().as_str();
                let d = cx.report(
                    &META,
                    Span::new(inst.keyword.span.start, inst.args_span.end.max(inst.keyword.span.end)),
                    format!(
                        "JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"
                    ),
                );
                d.label = Some("shell form: runs under /bin/sh -c".into());
                d.help = Some(format!(
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
    }
}
