use super::runs::{runs, unquoted_expansions};
use super::Context;
use crate::diagnostic::Span;

declare_rule! {
    /// `$var` unquoted in a command's arguments: split and globbed.
    UnquotedVariable: RD301 "unquoted-variable", Info, "Unquoted variable in RUN is split into words and globbed";
    hadolint: ["SC2086"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for run in runs(model) {
        if !run.posix {
            continue;
        }
        // Variables whose value is known to hold no space or glob, as
        // ShellCheck's data flow knows them: ARG/ENV with such a value,
        // or a plain assignment earlier in the RUN.
        let safe_value = |v: &str| {
            !v.is_empty() && !v.contains(|c: char| c.is_whitespace() || "*?[".contains(c))
        };
        let mut assigned: Vec<(&str, bool)> = Vec::new();
        for cmd in &run.script.commands {
            for a in &cmd.assignments {
                assigned.push((
                    a.name.as_str(),
                    a.value.lit.as_deref().is_some_and(safe_value),
                ));
            }
        }
        let known_safe = |name: &str| {
            if let Some(&(_, ok)) = assigned.iter().rev().find(|(n, _)| *n == name) {
                return ok;
            }
            model
                .scope
                .lookup(Some(run.stage), run.ii, name)
                .and_then(|d| d.value.as_deref())
                .is_some_and(safe_value)
        };
        for cmd in &run.script.commands {
            // Words after `[[` are not split; neither are assignments.
            if cmd.name() == Some("[[") {
                continue;
            }
            for w in cmd.args() {
                for (at, len, subst) in unquoted_expansions(&w.raw) {
                    if subst {
                        continue;
                    }
                    let span = if w.span.len() == w.raw.len() {
                        Span::new(w.span.start + at, w.span.start + at + len)
                    } else {
                        w.span
                    };
                    let name = &w.raw[at..at + len];
                    let bare = name
                        .trim_start_matches('$')
                        .trim_start_matches('{')
                        .trim_end_matches('}');
                    if bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && known_safe(bare)
                    {
                        continue;
                    }
                    let d = cx.report(
                        &META,
                        span,
                        format!("`{name}` is unquoted: its value is split on spaces and globbed"),
                    );
                    d.label = Some("unquoted".into());
                    d.help = Some(format!("write \"{name}\""));
                }
            }
        }
    }
}
