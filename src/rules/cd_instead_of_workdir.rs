use super::runs::{runs, Run};
use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::model::Model;
use crate::parallel::{effects::workdir_at, paths};
use crate::shell::Command;
use crate::syntax::Kind;

declare_rule! {
    /// `cd dir` in RUN where WORKDIR says it once for the stage.
    CdInsteadOfWorkdir: RD406 "cd-instead-of-workdir", Info, "`cd` in RUN where WORKDIR would do";
    fix: Sometimes, hadolint: ["DL3003"]
}

fn check(cx: &mut Context<'_>) {
    for run in runs(cx.model) {
        if !run.posix {
            continue;
        }
        let first = run.script.commands.first();
        for (i, cmd) in run.script.commands.iter().enumerate() {
            if cmd.name() != Some("cd")
                || cmd.ctx.in_subshell
                || cmd.ctx.in_loop
                || cmd.ctx.in_function
            {
                continue;
            }
            // Only the first command: a `cd` later in the chain into a
            // directory an earlier command made (clone, mkdir, tar) cannot
            // become a WORKDIR before the RUN. hadolint flags every `cd`.
            let Some(dir) = cmd.operands().next() else {
                continue;
            };
            if i != 0 || first.is_none() || dir.lit.is_none() || cmd.ctx.conditional {
                continue;
            }
            if matches!(dir.text(), "-" | "~") {
                continue;
            }
            let known = previous_workdir_known(cx.model, run.ii);
            let prev = workdir_at(cx.model, run.ii);
            // Where the `cd`s at the start of the RUN end up, absolute
            // (a relative WORKDIR is RD204's finding), when it is known.
            let chain = leading_cds(cx.model, &run);
            let target = match (&prev, &chain) {
                (Some(p), Some((dirs, _))) if known || dirs[0].starts_with('/') => dirs
                    .iter()
                    .try_fold(p.clone(), |cwd, d| paths::resolve(&cwd, d)),
                (Some(p), None) if known || dir.text().starts_with('/') => {
                    paths::resolve(p, dir.text())
                }
                _ => None,
            };
            let fix = match (&chain, &target, &prev) {
                (Some((_, next)), Some(t), Some(p)) => {
                    workdir_fix(cx.model, &run, cmd, next, t, p, known)
                }
                _ => None,
            };
            let cds = match &chain {
                Some((dirs, _)) if dirs.len() > 1 => dirs
                    .iter()
                    .map(|d| format!("cd {d}"))
                    .collect::<Vec<_>>()
                    .join(" && "),
                _ => format!("cd {}", dir.text()),
            };
            let message = match &target {
                Some(t) => format!("`{cds}` at the start of RUN: use `WORKDIR {t}`"),
                None => format!(
                    "`cd {}` at the start of RUN: use WORKDIR with its absolute path",
                    dir.text()
                ),
            };
            let d = cx
                .report(&META, cmd.span, message)
                .label("cd")
                .help("WORKDIR sets the directory for the following instructions and creates it");
            d.fix = fix;
        }
    }
}

/// The `cd DIR &&` commands a RUN starts with (`cd /b && cd c && make`:
/// `/b`, `c`), and the first command after them; `None` when they cannot
/// be lifted out exactly: not `&&` after each `cd`, `cd` alone, a heredoc
/// body, flags of `cd`, redirections, or a directory that needs quoting.
fn leading_cds<'r>(model: &Model<'_>, run: &'r Run<'_>) -> Option<(Vec<&'r str>, &'r Command)> {
    let inst = run.inst;
    if inst.is_exec_form() || !inst.heredocs.is_empty() {
        return None;
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._+-@:,=".contains(c);
    let esc = model.ast.escape;
    let mut dirs = Vec::new();
    for (i, cd) in run.script.commands.iter().enumerate() {
        if cd.name() != Some("cd") {
            let first = i > 0;
            return first.then_some((dirs, cd));
        }
        if cd.words.len() != 2 || !cd.redirects.is_empty() || !cd.assignments.is_empty() {
            return None;
        }
        // (After the first, each `cd` runs after `&&`: conditional, as the joiner shows.)
        if cd.ctx.in_subshell
            || cd.ctx.in_loop
            || cd.ctx.in_function
            || (i == 0 && cd.ctx.conditional)
        {
            return None;
        }
        let dir = cd.operands().next()?;
        dir.lit.as_ref()?;
        let dir = dir.text();
        if dir.is_empty() || !dir.chars().all(plain) || dir.starts_with('-') {
            return None;
        }
        let next = run.script.commands.get(i + 1)?;
        let between = model.text.get(cd.span.end..next.span.start)?;
        let joiner: String = between
            .replace(&format!("{esc}\r\n"), "")
            .replace(&format!("{esc}\n"), "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if joiner != "&&" {
            return None;
        }
        dirs.push(dir);
    }
    None
}

/// `RUN cd DIR && rest` as `WORKDIR TARGET` + `RUN rest`, and `WORKDIR PREV`
/// after it so that later instructions and the image keep their working
/// directory. Safe when PREV is known (a WORKDIR earlier in the stage or its
/// base stages, or a `scratch` base); unsafe otherwise, since the base image's
/// own working directory is not known offline. `None` when a relative
/// `--mount` target would move with the working directory.
fn workdir_fix(
    model: &Model<'_>,
    run: &Run<'_>,
    cd: &Command,
    next: &Command,
    target: &str,
    prev: &str,
    known: bool,
) -> Option<Fix> {
    let inst = run.inst;
    if inst.flags_named("mount").any(relative_mount_target) {
        return None;
    }
    let text = model.text;
    let drop_cd = Edit::delete(Span::new(cd.span.start, next.span.start));
    if known && target == prev {
        return Some(Fix::safe(
            format!("Remove the `cd`: the working directory is already {prev}"),
            vec![drop_cd],
        ));
    }

    let line_start = text[..inst.span.start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..inst.span.start];
    let indent = if indent.chars().all(|c| c == ' ' || c == '\t') {
        indent
    } else {
        ""
    };
    let kw = if inst.keyword.text.chars().all(|c| c.is_ascii_lowercase()) {
        "workdir"
    } else {
        "WORKDIR"
    };
    let mut edits = vec![
        Edit::insert(inst.span.start, format!("{kw} {target}\n{indent}")),
        drop_cd,
    ];
    if known {
        edits.push(Edit::insert(
            inst.span.end,
            format!("\n{indent}{kw} {prev}"),
        ));
        Some(Fix::safe(
            format!("Use `WORKDIR {target}` for this RUN, then `WORKDIR {prev}` again"),
            edits,
        ))
    } else {
        Some(Fix::unsafe_(
            format!(
                "Use `WORKDIR {target}` instead of `cd` (later instructions and the image \
                 then work in {target}; the base image's working directory is not known here)"
            ),
            edits,
        ))
    }
}

/// Whether the working directory before `ii` is stated in the file: a
/// WORKDIR earlier in the stage or a base stage.
fn previous_workdir_known(model: &Model<'_>, ii: usize) -> bool {
    model.inherited_of_kind(ii, Kind::Workdir).next().is_some()
}

/// A `--mount` whose target is relative, so it moves with the working directory.
fn relative_mount_target(flag: &crate::syntax::Flag) -> bool {
    flag.value.as_deref().is_some_and(|v| {
        v.split(',').any(|kv| {
            let (k, val) = kv.split_once('=').unwrap_or((kv, ""));
            matches!(k.trim(), "target" | "dst" | "destination") && !val.starts_with('/')
        })
    })
}
