//! Shared helpers for the rules that read RUN bodies as shell programs.

use crate::model::Model;
use crate::shell::{self, Command, Script};
use crate::syntax::{Instruction, Kind};

/// A RUN instruction with its parsed body.
pub(crate) struct Run<'m> {
    /// Index into `model.instructions`.
    pub ii: usize,
    pub stage: usize,
    pub inst: &'m Instruction,
    pub script: Script,
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
        let Some(script) = shell::parse_instruction(inst, model.text) else {
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
