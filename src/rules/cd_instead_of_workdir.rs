use super::runs::{runs, Run};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::{Severity, Span};
use crate::fix::{Edit, Fix};
use crate::model::Model;
use crate::parallel::{effects::workdir_at, paths};
use crate::shell::Command;
use crate::syntax::Kind;

/// `cd dir` in RUN where WORKDIR says it once for the stage.
pub(crate) struct CdInsteadOfWorkdir;

static META: RuleMeta = RuleMeta {
    id: "RD406",
    slug: "cd-instead-of-workdir",
    summary: "`cd` in RUN where WORKDIR would do",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3003"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/cd-instead-of-workdir.md"),
};

impl Rule for CdInsteadOfWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
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
                let fix = workdir_fix(cx.model, &run, cmd, dir.text());
                let d = cx.report(
                    &META,
                    cmd.span,
                    format!(
                        "`cd {}` at the start of RUN: use `WORKDIR {}`",
                        dir.text(),
                        dir.text()
                    ),
                );
                d.label = Some("cd".into());
                d.help = Some(
                    "WORKDIR sets the directory for the following instructions and creates it"
                        .into(),
                );
                d.fix = fix;
            }
        }
    }
}

/// `RUN cd DIR && rest` as `WORKDIR DIR` + `RUN rest`, and `WORKDIR PREV`
/// after it so that later instructions and the image keep their working
/// directory. Safe when PREV is known (a WORKDIR earlier in the stage or its
/// base stages, or a `scratch` base); unsafe otherwise, since the base image's
/// own working directory is not known offline. `None` when the body cannot be
/// split exactly: not `&&` after the `cd`, `cd` alone, a heredoc body, flags
/// of `cd`, a relative `--mount` target (resolved against the working
/// directory), or a directory that needs quoting.
fn workdir_fix(model: &Model<'_>, run: &Run<'_>, cd: &Command, dir: &str) -> Option<Fix> {
    let inst = run.inst;
    if inst.is_exec_form() || !inst.heredocs.is_empty() || cd.words.len() != 2 {
        return None;
    }
    if !cd.redirects.is_empty() || !cd.assignments.is_empty() {
        return None;
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._+-@:,=".contains(c);
    if dir.is_empty() || !dir.chars().all(plain) || dir.starts_with('-') {
        return None;
    }
    if inst.flags_named("mount").any(relative_mount_target) {
        return None;
    }
    let next = run.script.commands.get(1)?;
    let text = model.text;
    let between = text.get(cd.span.end..next.span.start)?;
    let esc = model.ast.escape;
    let joiner: String = between
        .replace(&format!("{esc}\r\n"), "")
        .replace(&format!("{esc}\n"), "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if joiner != "&&" {
        return None;
    }

    let known = previous_workdir_known(model, run.ii);
    let prev = workdir_at(model, run.ii)?;
    let target = paths::resolve(&prev, dir)?;
    let drop_cd = Edit::delete(Span::new(cd.span.start, next.span.start));
    if known && target == prev {
        return Some(Fix::safe(
            format!("Remove `cd {dir}`: the working directory is already {prev}"),
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
