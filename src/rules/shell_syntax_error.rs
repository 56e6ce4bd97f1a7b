use super::runs::runs;
use super::Context;

declare_rule! {
    /// A RUN body the shell cannot parse.
    ShellSyntaxError: RD305 "shell-syntax-error", Error, "RUN body is not valid shell syntax";
    hadolint: ["SC1088", "SC1065", "SC1073", "SC1072"]
}

fn check(cx: &mut Context<'_>) {
    for run in runs(cx.model) {
        if !run.posix || run.inst.is_exec_form() {
            continue;
        }
        let Some(err) = &run.script.error else {
            continue;
        };
        if err.repeated {
            continue;
        }
        if err.limit {
            cx.report(
                &META,
                err.span,
                format!("rdock does not analyse this RUN: {}", err.message),
            )
            .label("not analysed")
            .help(
                "the rules that read shell skip this RUN; split it into smaller steps, or ignore RD305 here",
            );
            continue;
        }
        // `$(case x in a) ...;; esac)`: valid shell that the parser
        // rdock uses (brush) reads wrongly, taking the pattern's `)` for
        // the end of the substitution. Not the author's error.
        if case_in_substitution(&run.inst.args_text)
            || run
                .inst
                .heredocs
                .iter()
                .any(|h| case_in_substitution(&h.content))
        {
            continue;
        }
        cx.report(
            &META,
            err.span,
            format!("the shell cannot parse this RUN: {}", err.message),
        )
        .label("parsing stopped here")
        .help(
            "check quotes and parentheses; `name() {...}` needs a body, and `(` starts a subshell",
        );
    }
}

/// Whether a `case` command starts right inside a `$(`.
fn case_in_substitution(text: &str) -> bool {
    text.match_indices("$(").any(|(at, _)| {
        let rest = text[at + 2..].trim_start_matches([' ', '\t', '\n', '\\']);
        rest.starts_with("case ") || rest.starts_with("case\t")
    })
}
