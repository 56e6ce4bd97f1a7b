use super::runs::runs;
use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::shell::Script;

declare_rule! {
    /// A pipeline in RUN whose failure the shell would hide.
    PipeWithoutPipefail: RD300 "pipe-without-pipefail", Warning, "RUN pipeline fails silently without `pipefail`";
    fix: Sometimes, hadolint: ["DL4006"]
}

/// Whether a shell argument list turns pipefail on (`-o pipefail`, `-euo pipefail`).
pub(crate) fn sets_pipefail(args: &[&str]) -> bool {
    args.windows(2).any(|w| {
        w[1] == "pipefail"
            && w[0].starts_with('-')
            && !w[0].starts_with("--")
            && w[0].ends_with('o')
    }) || args.contains(&"-opipefail")
}

/// Whether the script sets pipefail before the command at `before` (a command index).
fn script_sets_pipefail(script: &Script, before: usize) -> bool {
    script.commands[..before].iter().any(|c| {
        c.name() == Some("set")
            && !c.ctx.in_subshell
            && sets_pipefail(&c.args().iter().map(|w| w.text()).collect::<Vec<_>>())
    })
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    // Stages whose first finding already got the SHELL fix: it covers
    // the later RUNs, so they get none (one SHELL line, not one per RUN).
    let mut shell_fixed: Vec<usize> = Vec::new();
    for run in runs(model) {
        if !run.posix || run.inst.is_exec_form() {
            continue;
        }
        let shell = model.shell_at(run.ii);
        let shell_args: Vec<&str> = shell.iter().map(String::as_str).collect();
        if sets_pipefail(&shell_args) {
            continue;
        }
        let Some(p) = run.script.pipelines.iter().find(|p| {
            !script_sets_pipefail(run.script, p.commands[0])
                // `cmd | true`-style tails mean the failure is meant to be ignored
                && p.commands.len() >= 2
                && !status_dropped(run.script, p)
                // An `if`/`while`/`until` condition: its status picks a
                // branch; the build does not fail on it either way.
                && !run.script.commands[*p.commands.last().unwrap_or(&p.commands[0])].ctx.in_condition
                && !only_writers_on_the_left(run.script, p)
        }) else {
            continue;
        };
        let first = &run.script.commands[p.commands[0]];
        let last = &run.script.commands[*p.commands.last().unwrap_or(&p.commands[0])];
        let span = Span::new(first.span.start, last.span.end);
        let is_bash = shell
            .first()
            .is_some_and(|s| s.rsplit('/').next() == Some("bash"));
        let body = run.inst.args_span;
        let d = cx.report(
            &META,
            span,
            "a failure left of `|` is ignored: only the last command's status counts",
        )
        .label("pipeline")
        .help(
            "set `pipefail`: `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` or `set -o pipefail &&` at the start of the RUN",
        );
        // ash (Alpine, BusyBox) has `set -o pipefail` too; dash (Debian's
        // /bin/sh) has not.
        let set_works = is_bash || (shell == ["/bin/sh", "-c"] && ash_image(model, run.stage));
        if set_works && run.inst.flags.is_empty() && run.inst.heredocs.is_empty() {
            d.fix = Some(Fix::unsafe_(
                "Start the RUN with `set -o pipefail &&` (the build now fails where a piped command fails)",
                vec![Edit::insert(body.start, "set -o pipefail && ")],
            ));
        } else if run.inst.heredocs.is_empty() && !body.is_empty() {
            let indent_start = model.text[..run.inst.span.start]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let indent = &model.text[indent_start..run.inst.span.start];
            if indent.trim().is_empty() && !shell_fixed.contains(&run.stage) {
                shell_fixed.push(run.stage);
                d.fix = Some(Fix::unsafe_(
                    "Add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before the RUN (needs bash in the image; the build now fails where a piped command fails, and later RUNs use bash)",
                    vec![Edit::insert(
                        run.inst.span.start,
                        format!("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n{indent}"),
                    )],
                ));
            }
        }
    }
}

/// Whether the image a stage is built on (through its base stages) is
/// Alpine or BusyBox, whose `/bin/sh` is ash.
fn ash_image(model: &crate::model::Model<'_>, stage: usize) -> bool {
    let Some(root) = model.base_chain(stage).last() else {
        return false;
    };
    let crate::model::Base::Image { raw, resolved } = &model.stages[root].base else {
        return false;
    };
    let image = resolved.as_deref().unwrap_or(raw).to_ascii_lowercase();
    let name = image.rsplit('/').next().unwrap_or(&image);
    name.starts_with("alpine") || name.starts_with("busybox")
}

/// Whether every command left of the last `|` is one that does not fail
/// (`echo "$SUM  file" | sha256sum -c -`, `printf ... | debconf-set-selections`):
/// pipefail would report nothing more. (`yes | cmd` is not one: with
/// pipefail, `yes` killed by SIGPIPE fails the pipeline.)
fn only_writers_on_the_left(script: &Script, p: &crate::shell::Pipeline) -> bool {
    let Some((_, left)) = p.commands.split_last() else {
        return false;
    };
    left.iter().all(|&i| {
        let c = &script.commands[i];
        c.redirects.is_empty() && matches!(c.name(), Some("echo" | "printf" | "true" | ":"))
    })
}

/// Whether a pipeline's status is dropped: it is inside `$(...)` that is an
/// argument of a command (`echo "$(a | b)"`, `tar -C "$(x | y)"`), whose
/// status is the command's. In an assignment alone (`V=$(a | b) && ...`)
/// the status is the substitution's, and pipefail matters.
fn status_dropped(script: &Script, p: &crate::shell::Pipeline) -> bool {
    let first = &script.commands[p.commands[0]];
    if !first.ctx.in_substitution {
        return false;
    }
    let last = &script.commands[*p.commands.last().unwrap_or(&p.commands[0])];
    let (start, end) = (first.span.start, last.span.end);
    script.commands.iter().any(|c| {
        c.span.start < start && end <= c.span.end && c.name().is_some() && !c.words.is_empty()
    })
}
