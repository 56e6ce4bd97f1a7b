//! Shared helpers for the rules that read RUN bodies as shell programs.

use super::Context;
use crate::fix::Edit;
use crate::model::Model;
use crate::shell::{Command, Script};
use crate::syntax::{Instruction, Kind};

/// A RUN instruction with its parsed body.
pub(crate) struct Run<'m> {
    /// Index into `model.instructions`.
    pub ii: usize,
    pub stage: usize,
    pub inst: &'m Instruction,
    pub script: &'m Script,
    /// Whether it runs under a POSIX-like shell (sh, bash, ash...).
    pub posix: bool,
}

/// Every RUN of every stage, in file order, parsed.
pub(crate) fn runs<'m>(model: &'m Model<'_>) -> Vec<Run<'m>> {
    let mut out = Vec::new();
    for (ii, stage, inst) in model.instructions_of(&[Kind::Run]) {
        let Some(stage) = stage else { continue };
        let posix = model.posix_shell_at(ii) || inst.is_exec_form();
        let Some(script) = model.script(ii) else {
            continue;
        };
        out.push(Run {
            ii,
            stage,
            inst,
            script,
            posix,
        });
    }
    out
}

/// Every simple command of the RUNs under a POSIX-like shell, in file order.
pub(crate) fn posix_commands<'m>(model: &'m Model<'_>) -> impl Iterator<Item = &'m Command> {
    runs(model)
        .into_iter()
        .filter(|r| r.posix)
        .flat_map(|r| r.script.commands.iter())
}

/// Whether a stage's files end up in a built image: it is a build target,
/// or a target is built `FROM` it (directly or through other stages).
/// Unreached stages are not built at all.
pub(crate) fn stage_in_image(cx: &Context<'_>, stage: usize) -> bool {
    cx.graph.reachable.get(stage).copied().unwrap_or(true)
        && cx.graph.in_image.get(stage).copied().unwrap_or(true)
}

/// Whether the RUN mounts a cache (or tmpfs) on a path that contains one of `paths`.
pub(crate) fn mounts_over(run: &Run<'_>, paths: &[&str]) -> bool {
    run.inst.flags_named("mount").any(|f| {
        let Some(v) = f.value.as_deref() else {
            return false;
        };
        let fields = crate::model::mount_fields(v, f.span);
        let kind = fields
            .iter()
            .find(|m| m.key == "type")
            .map_or("bind", |m| m.value.as_str());
        matches!(kind, "cache" | "tmpfs")
            && fields.iter().any(|m| {
                matches!(m.key.as_str(), "target" | "dst" | "destination")
                    && paths.iter().any(|p| m.value.contains(p))
            })
    })
}

/// An edit that appends ` && <command>` to the end of a shell-form RUN, on
/// a continuation line. `None` for exec form, heredocs, or a body that does
/// not end in a plain command (a trailing `;`, `&`, `|`, `\` or comment,
/// also a comment begun on an earlier line of the RUN).
pub(crate) fn append_to_run(run: &Run<'_>, model: &Model<'_>, command: &str) -> Option<Edit> {
    let inst = run.inst;
    let (text, escape) = (model.text, model.ast.escape);
    if !inst.heredocs.is_empty() || inst.is_exec_form() || run.script.error.is_some() {
        return None;
    }
    let body = text
        .get(inst.args_span.start..inst.args_span.end)?
        .trim_end();
    let last_line = body.lines().last().unwrap_or("");
    if body.is_empty()
        || body.ends_with([';', '&', '|', '\\', '(', escape])
        || last_line.contains('#')
        || run.script.commands.iter().any(|c| c.ctx.background)
    {
        return None;
    }
    // The appended command must become a command of the script, not the
    // tail of a shell comment that a continuation carried to the end of
    // the RUN (`# note \` joins the next lines into the comment).
    let src = crate::shell::script_source(inst, text)?;
    let before = crate::shell::parse(&src);
    let probe = crate::shell::parse(&crate::shell::ScriptSource::contiguous(
        &format!("{} && {command}", src.text.trim_end()),
        0,
    ));
    if probe.error.is_some() || probe.commands.len() <= before.commands.len() {
        return None;
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    Some(Edit::insert(
        inst.span.end,
        format!(" {escape}{newline}    && {command}"),
    ))
}

/// Whether a later command of the RUN (after `after`) matches `pred`.
pub(crate) fn later(run: &Run<'_>, after: &Command, pred: impl Fn(&Command) -> bool) -> bool {
    run.script
        .commands
        .iter()
        .any(|c| c.span.start > after.span.start && pred(c))
}

/// Whether `cmd` is an `rm` of a path that contains one of `paths`.
pub(crate) fn removes(cmd: &Command, paths: &[&str]) -> bool {
    cmd.base_name() == Some("rm")
        && cmd
            .args()
            .iter()
            .any(|w| paths.iter().any(|p| w.text().contains(p)))
}

/// Unquoted expansions in a word as written: `(offset, len, is_substitution)`.
/// `$name`, `${...}` give `false`; `$(...)` and backticks give `true`.
/// Special parameters that cannot split (`$?`, `$#`, `$$`, `$!`) are left out.
pub(crate) fn unquoted_expansions(raw: &str) -> Vec<(usize, usize, bool)> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut dq) = (0, false);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\'' if !dq => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                dq = !dq;
                i += 1;
            }
            b'`' => {
                let s = i;
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                if !dq {
                    out.push((s, i.min(b.len()) - s, true));
                }
            }
            b'$' => {
                let s = i;
                let next = b.get(i + 1).copied();
                match next {
                    Some(b'(') | Some(b'{') => {
                        let (open, close) = if next == Some(b'(') {
                            (b'(', b')')
                        } else {
                            (b'{', b'}')
                        };
                        let arith = next == Some(b'(') && b.get(i + 2) == Some(&b'(');
                        let mut depth = 0usize;
                        i += 1;
                        while i < b.len() {
                            if b[i] == b'\\' {
                                i += 2;
                                continue;
                            }
                            if b[i] == b'\'' && close == b')' {
                                i += 1;
                                while i < b.len() && b[i] != b'\'' {
                                    i += 1;
                                }
                            } else if b[i] == open {
                                depth += 1;
                            } else if b[i] == close {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            i += 1;
                        }
                        i += 1;
                        let e = i.min(b.len());
                        // `${#x}` is a number, `$((...))` too.
                        let number = arith || raw[s..e].starts_with("${#");
                        if !dq && !number {
                            out.push((s, e - s, next == Some(b'(')));
                        }
                    }
                    Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                        i += 1;
                        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                            i += 1;
                        }
                        if !dq {
                            out.push((s, i - s, false));
                        }
                    }
                    Some(c) if c.is_ascii_digit() || c == b'@' || c == b'*' => {
                        i += 2;
                        if !dq {
                            out.push((s, 2, false));
                        }
                    }
                    _ => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unquoted_expansions;

    #[test]
    fn finds_unquoted_expansions_only() {
        assert_eq!(unquoted_expansions("$A"), vec![(0, 2, false)]);
        assert_eq!(unquoted_expansions("\"$A\""), vec![]);
        assert_eq!(unquoted_expansions("'$A'"), vec![]);
        assert_eq!(unquoted_expansions("x${A}y"), vec![(1, 4, false)]);
        assert_eq!(unquoted_expansions("$(ls)"), vec![(0, 5, true)]);
        assert_eq!(unquoted_expansions("`ls`"), vec![(0, 4, true)]);
        assert_eq!(unquoted_expansions("$? $# $((1+2)) ${#A}"), vec![]);
        assert_eq!(unquoted_expansions("\"$(ls)\""), vec![]);
        assert_eq!(unquoted_expansions("$(echo ')')"), vec![(0, 11, true)]);
    }
}
