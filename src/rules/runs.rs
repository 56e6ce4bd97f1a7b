//! Shared helpers for the rules that read RUN bodies as shell programs.

use super::Context;
use crate::fix::Edit;
use crate::model::Model;
use crate::shell::{self, Command, Script, ShWord};
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
    for (ii, r) in model.instructions.iter().enumerate() {
        let Some(stage) = r.stage else { continue };
        let inst = model.instruction(ii);
        if inst.kind() != Kind::Run {
            continue;
        }
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

/// Whether `cmd` is `apt-get`/`apt` with the subcommand `sub` (`install`).
pub(crate) fn apt_sub(cmd: &Command, sub: &str) -> bool {
    matches!(cmd.base_name(), Some("apt-get" | "apt"))
        && cmd.operands().next().is_some_and(|w| w.is(sub))
}

/// The package operands of `apt-get install` / `apk add` (after the subcommand).
pub(crate) fn packages(cmd: &Command) -> Vec<&shell::ShWord> {
    cmd.operands().skip(1).collect()
}

/// The subcommand word of `apk`.
pub(crate) fn apk_sub(cmd: &Command, sub: &str) -> bool {
    cmd.base_name() == Some("apk") && cmd.operands().next().is_some_and(|w| w.is(sub))
}

/// Where the word holding `sub` sits (the subcommand of an apt/apk command).
pub(crate) fn sub_word<'c>(cmd: &'c Command, sub: &str) -> Option<&'c shell::ShWord> {
    cmd.args().iter().find(|w| w.is(sub))
}

/// The positional words of `cmd` (its operands), skipping flags and the
/// values of the flags in `valued` that take one as the next word
/// (`-c FILE`); everything after `--` is positional.
pub(crate) fn positional<'c>(cmd: &'c Command, valued: &[&str]) -> Vec<&'c ShWord> {
    let mut out = Vec::new();
    let mut args = cmd.args().iter();
    while let Some(w) = args.next() {
        let t = w.text();
        if t == "--" {
            out.extend(args.by_ref());
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            if valued.contains(&t) {
                args.next();
            }
            continue;
        }
        out.push(w);
    }
    out
}

/// The subcommand word when `cmd` is one of `names` (by base name) and its
/// first operand is one of `subs`.
pub(crate) fn tool_sub<'c>(
    cmd: &'c Command,
    names: &[&str],
    subs: &[&str],
    valued: &[&str],
) -> Option<&'c ShWord> {
    let name = cmd.base_name()?;
    if !names.contains(&name) {
        return None;
    }
    let first = positional(cmd, valued).into_iter().next()?;
    subs.iter().any(|s| first.is(s)).then_some(first)
}

/// The operands after the subcommand word `sub`.
pub(crate) fn operands_after<'c>(
    cmd: &'c Command,
    sub: &ShWord,
    valued: &[&str],
) -> Vec<&'c ShWord> {
    positional(cmd, valued)
        .into_iter()
        .filter(|w| w.span.start > sub.span.start)
        .collect()
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
/// not end in a plain command (a trailing `;`, `&`, `|`, `\` or comment).
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
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    Some(Edit::insert(
        inst.span.end,
        format!(" {escape}{newline}    && {command}"),
    ))
}

/// The `install` word of a pip install: `pip install`, `pip3 install`,
/// `python3 -m pip install`. Not pipx or pipenv, which manage their own
/// environments.
pub(crate) fn pip_install(cmd: &Command) -> Option<&ShWord> {
    let name = cmd.base_name()?;
    let is_pip = name
        .strip_prefix("pip")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    if is_pip {
        return tool_sub(cmd, &[name], &["install"], PIP_VALUED);
    }
    let is_python = name
        .strip_prefix("python")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    if !is_python {
        return None;
    }
    let args = cmd.args();
    let m = args
        .windows(2)
        .position(|w| w[0].is("-m") && w[1].is("pip"))?;
    let rest = &args[m + 2..];
    let mut i = 0;
    while i < rest.len() {
        let t = rest[i].text();
        if t.starts_with('-') {
            i += if PIP_VALUED.contains(&t) { 2 } else { 1 };
            continue;
        }
        return rest[i].is("install").then_some(&rest[i]);
    }
    None
}

/// pip options that take a value as the next word.
pub(crate) const PIP_VALUED: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--trusted-host",
    "--proxy",
    "--src",
    "--upgrade-strategy",
    "--progress-bar",
    "--no-binary",
    "--only-binary",
    "--cache-dir",
    "--log",
    "--timeout",
    "--retries",
    "--exists-action",
    "--cert",
    "--client-cert",
    "-C",
    "--config-settings",
    "--report",
    "--python",
    "--global-option",
    "--install-option",
];

/// yum and dnf options that take a value as the next word.
pub(crate) const RPM_VALUED: &[&str] = &[
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "--installroot",
    "--enablerepo",
    "--disablerepo",
    "-x",
    "--exclude",
    "--setopt",
    "--releasever",
    "--repo",
    "--repoid",
    "--downloaddir",
    "--destdir",
    "--color",
];

/// zypper options that take a value as the next word.
pub(crate) const ZYPPER_VALUED: &[&str] = &[
    "-R",
    "--root",
    "-c",
    "--config",
    "-D",
    "--reposd-dir",
    "-C",
    "--cache-dir",
    "--raw-cache-dir",
    "--solv-cache-dir",
    "--pkg-cache-dir",
    "-r",
    "--repo",
    "--from",
    "-t",
    "--type",
];

/// Whether an RPM package argument names a version: `name-1.2.3`,
/// `name-1.2-3.el9`, an `.rpm` file, a URL or path, or an `@group`.
pub(crate) fn rpm_versioned(package: &str) -> bool {
    if package.ends_with(".rpm") || package.contains('/') || package.starts_with('@') {
        return true;
    }
    let mut parts = package.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && rest.iter().all(|p| {
            p.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '~' | '^' | '_' | ':' | '+')
            })
        })
        && rest
            .iter()
            .any(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))
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
