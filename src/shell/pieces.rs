//! The top-level pieces of a RUN's shell script, for running them as RUN
//! steps of their own (the parallelizer's split inside a RUN).
//!
//! `a && b && c`, and `set -e; a; b; c`, fail when any part fails, exactly as
//! three RUN steps do; what the parts share is the shell's state (options,
//! working directory, variables). A piece is therefore one of:
//! - **work**: a command whose state dies with it (a simple command, a
//!   pipeline, a subshell): it can become a RUN of its own;
//! - **carry**: `set -e`-style options, `cd DIR`, `NAME=value`, `export
//!   NAME=value` with values that evaluate the same every time: repeated in
//!   front of every later piece;
//! - anything else that may change the shell's state (`source`, `eval`, a
//!   function, an `if` or a loop that may assign, `X=$(mktemp -d)`, `exit`,
//!   a `!` pipeline, an `a && b` that `set -e` does not stop at) joins every
//!   piece after it: the state it leaves is never separated from its readers.
//!
//! Boundaries are split only where a failing part ends the script: `&&` in
//! the list that ends the script, `;` and newlines after `set -e`. Anything
//! this module cannot place exactly (no source positions, text between
//! pieces other than separators, a piece that does not parse alone, `&`)
//! makes the script one piece.

use brush_parser::ast::{self, SourceLocation};
use brush_parser::Parser;

use super::quiet_catch;

/// What ends a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    /// `&&`
    And,
    /// `;` or a newline, with `set -e` in force.
    Seq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Work,
    Carry,
}

/// One piece: byte offsets into the script text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub start: usize,
    pub end: usize,
    pub kind: PieceKind,
    /// The separator after the piece; `None` for the last.
    pub sep: Option<Sep>,
}

/// The most top-level commands a script is cut into.
pub const MAX_PIECES: usize = 64;

/// Special shell variables whose value differs from one evaluation to the next.
const UNSTABLE: [&str; 9] = [
    "RANDOM",
    "SRANDOM",
    "SECONDS",
    "BASHPID",
    "LINENO",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "PIPESTATUS",
    "BASH_COMMAND",
];

/// Builtins that change the shell's state in ways a carried prefix cannot repeat.
const STATEFUL: [&str; 26] = [
    ".", "source", "eval", "exec", "trap", "alias", "unalias", "shopt", "unset", "read",
    "readonly", "local", "declare", "typeset", "pushd", "popd", "shift", "getopts", "ulimit",
    "umask", "hash", "exit", "return", "break", "continue", "enable",
];

/// The pieces of `text`, or `None` when it is not split (one piece, or a
/// script this module does not place exactly).
pub fn top_pieces(text: &str) -> Option<Vec<Piece>> {
    // `$LINENO` counts lines of the script a piece no longer has.
    if text.contains("<<") || text.contains("LINENO") {
        return None;
    }
    // The parser recurses once per nesting level: the same limits as every
    // other parse of a script (`guards.rs`).
    if text.len() > super::MAX_SCRIPT_BYTES
        || super::guards::nesting_depth(text) > super::MAX_NESTING
    {
        return None;
    }
    let program =
        quiet_catch(|| Parser::new(text.as_bytes(), &super::options()).parse_program())?.ok()?;
    let chars = super::source::CharIndex::new(text);
    let span = |l: Option<brush_parser::SourceSpan>| -> Option<(usize, usize)> {
        let l = l?;
        Some((chars.byte(l.start.index), chars.byte(l.end.index)))
    };
    // Units in order: (start, end, AST of one pipeline or a whole list, sep after).
    enum Unit<'a> {
        Pipe(&'a ast::Pipeline),
        List(&'a ast::AndOrList),
    }
    let items: Vec<&ast::CompoundListItem> = program
        .complete_commands
        .iter()
        .flat_map(|l| l.0.iter())
        .collect();
    let longest = items
        .iter()
        .map(|i| i.0.additional.len() + 1)
        .max()
        .unwrap_or(0);
    if items.len() > MAX_PIECES || longest > MAX_PIECES {
        return None;
    }
    let mut units: Vec<(usize, usize, Unit<'_>, Option<Sep>)> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let ast::CompoundListItem(and_or, sep) = item;
        if matches!(sep, ast::SeparatorOperator::Async) {
            return None;
        }
        let last = k + 1 == items.len();
        let all_and = and_or
            .additional
            .iter()
            .all(|a| matches!(a, ast::AndOr::And(_)));
        if last && all_and && !and_or.additional.is_empty() {
            let pipes: Vec<&ast::Pipeline> = std::iter::once(&and_or.first)
                .chain(and_or.additional.iter().map(|a| {
                    let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = a;
                    p
                }))
                .collect();
            let n = pipes.len();
            for (i, p) in pipes.into_iter().enumerate() {
                let (s, e) = span(p.location())?;
                units.push((s, e, Unit::Pipe(p), (i + 1 < n).then_some(Sep::And)));
            }
        } else {
            let (s, e) = span(and_or.location())?;
            units.push((s, e, Unit::List(and_or), (!last).then_some(Sep::Seq)));
        }
    }
    // Each piece is parsed again alone, and becomes a RUN of its own: a
    // script of thousands of commands is not cut (no real RUN joins more
    // than a few dozen, and the cost would grow with their square).
    if units.len() < 2 || units.len() > MAX_PIECES {
        return None;
    }
    // brush's positions end before a simple command's trailing redirections:
    // a unit ends where the separator before the next one starts, and the
    // text between is that separator and blanks only.
    for k in 0..units.len() {
        let next = units.get(k + 1).map_or(text.len(), |u| u.0);
        if units[k].0 >= next {
            return None;
        }
        let chunk = text[units[k].0..next].trim_end();
        let body = match units[k].3 {
            Some(Sep::And) => chunk.strip_suffix("&&")?,
            Some(Sep::Seq) => match chunk.strip_suffix(';') {
                Some(b) => b,
                None if text[units[k].0..next].contains('\n') => chunk,
                None => return None,
            },
            None => chunk.strip_suffix(';').unwrap_or(chunk),
        };
        let body = body.trim_end();
        if body.is_empty() || units[k].0 + body.len() < units[k].1 {
            return None;
        }
        units[k].1 = units[k].0 + body.len();
    }
    if !text[..units[0].0].trim().is_empty() {
        return None;
    }
    // A comment would swallow what is joined after it.
    let comment =
        |t: &str| t.starts_with('#') || t.contains(" #") || t.contains("\t#") || t.contains("\n#");
    if units.iter().any(|u| comment(&text[u.0..u.1])) {
        return None;
    }
    // Something running in the background may still write when a piece ends.
    let parse = |t: &str| super::parse(&super::ScriptSource::contiguous(t, 0));
    let script = parse(text);
    if script.error.is_some() || script.commands.iter().any(|c| c.ctx.background) {
        return None;
    }
    // The pieces hold the script's commands, no more, no fewer.
    let words = |s: super::Script| -> Vec<Vec<String>> {
        s.commands
            .iter()
            .map(|c| c.words.iter().map(|w| w.raw.clone()).collect())
            .collect()
    };
    let whole = words(script);
    let pieced: Vec<Vec<String>> = units
        .iter()
        .flat_map(|u| words(parse(&text[u.0..u.1])))
        .collect();
    if whole != pieced {
        return None;
    }

    // Classify, and merge across boundaries that are not safe to split.
    let mut out: Vec<Piece> = Vec::new();
    let mut errexit = false;
    let mut absorbing = false;
    for (s, e, unit, sep) in units {
        let piece_text = &text[s..e];
        let (kind, sets_errexit, absorbs) = match unit {
            Unit::Pipe(p) => classify_pipeline(p, piece_text),
            Unit::List(l) if l.additional.is_empty() => classify_pipeline(&l.first, piece_text),
            Unit::List(l) => {
                // `a || b` fails when b fails, as a RUN of its own would;
                // `a && b` is not stopped by `set -e` when a fails.
                let any_and = l.additional.iter().any(|a| matches!(a, ast::AndOr::And(_)));
                (PieceKind::Work, false, any_and)
            }
        };
        // A piece must read the same alone: it parses on its own.
        let alone =
            quiet_catch(|| Parser::new(piece_text.as_bytes(), &super::options()).parse_program());
        if !matches!(alone, Some(Ok(_))) {
            return None;
        }
        let joins_previous = match out.last() {
            None => false,
            Some(prev) => absorbing || (prev.sep == Some(Sep::Seq) && !errexit),
        };
        if joins_previous {
            let prev = out.last_mut()?;
            // State inside a merged piece is no longer carried to the
            // pieces after it: they join it too.
            if prev.kind == PieceKind::Carry || kind == PieceKind::Carry {
                absorbing = true;
            }
            prev.end = e;
            prev.sep = sep;
            prev.kind = PieceKind::Work;
        } else {
            out.push(Piece {
                start: s,
                end: e,
                kind,
                sep,
            });
        }
        if absorbs {
            absorbing = true;
        }
        if sets_errexit && !absorbing {
            errexit = true;
        }
    }
    (out.iter().filter(|p| p.kind == PieceKind::Work).count() >= 2).then_some(out)
}

/// `(kind, sets errexit, joins every later piece)` of one pipeline.
fn classify_pipeline(p: &ast::Pipeline, text: &str) -> (PieceKind, bool, bool) {
    if p.bang {
        // `set -e` ignores a `!` pipeline; alone it would fail the RUN.
        return (PieceKind::Work, false, true);
    }
    if p.seq.len() > 1 {
        // Every element runs in a subshell (sh): no state survives.
        return (PieceKind::Work, false, false);
    }
    match p.seq.first() {
        Some(ast::Command::Simple(_)) => classify_simple(text),
        Some(ast::Command::Compound(ast::CompoundCommand::Subshell(_), _)) => {
            (PieceKind::Work, false, false)
        }
        Some(ast::Command::ExtendedTest(..)) => (PieceKind::Work, false, false),
        // An `if`, a loop, a brace group or a function may assign or `cd`.
        _ => (PieceKind::Work, false, true),
    }
}

fn classify_simple(text: &str) -> (PieceKind, bool, bool) {
    let script = super::parse(&super::ScriptSource::contiguous(text, 0));
    let [cmd] = script.commands.as_slice() else {
        // `$(...)` inside: its commands are listed too; a work piece whose
        // substitutions run in subshells, unless it only assigns.
        let first = script.commands.iter().find(|c| !c.ctx.in_substitution);
        return match first {
            Some(c) if c.words.is_empty() => (PieceKind::Work, false, true),
            Some(c) if c.name().is_some_and(is_stateful) => (PieceKind::Work, false, true),
            Some(c) if c.name().is_none() => (PieceKind::Work, false, true),
            Some(_) => (PieceKind::Work, false, false),
            None => (PieceKind::Work, false, true),
        };
    };
    if script.error.is_some() {
        return (PieceKind::Work, false, true);
    }
    let Some(name) = cmd.name() else {
        if !cmd.words.is_empty() {
            // A command name that is not a literal: may be `cd` or `exec`.
            return (PieceKind::Work, false, true);
        }
        // Assignments alone set the shell's variables.
        let stable = cmd.assignments.iter().all(|a| stable(&a.value.raw));
        return (PieceKind::Carry, false, !stable);
    };
    if !cmd.redirects.is_empty() && matches!(name, "set" | "cd" | "export") {
        return (PieceKind::Work, false, true);
    }
    match name {
        "set" => {
            let mut errexit = false;
            let mut words = cmd.args().iter();
            while let Some(w) = words.next() {
                let Some(t) = w.lit.as_deref() else {
                    return (PieceKind::Work, false, true);
                };
                if t == "-o" || t == "+o" {
                    match words.next().and_then(|v| v.lit.as_deref()) {
                        Some(opt) if opt.chars().all(|c| c.is_ascii_alphabetic()) => {
                            errexit |= t == "-o" && opt == "errexit";
                        }
                        _ => return (PieceKind::Work, false, true),
                    }
                } else if (t.starts_with('-') || t.starts_with('+'))
                    && t.len() > 1
                    && t[1..].chars().all(|c| c.is_ascii_alphabetic())
                {
                    errexit |= t.starts_with('-') && t.contains('e');
                } else {
                    // `set --`, positional parameters.
                    return (PieceKind::Work, false, true);
                }
            }
            if !cmd.assignments.is_empty() {
                return (PieceKind::Work, false, true);
            }
            (PieceKind::Carry, errexit, false)
        }
        "cd" => match cmd.args() {
            [dir]
                if stable(&dir.raw) && !dir.raw.starts_with('-') && cmd.assignments.is_empty() =>
            {
                (PieceKind::Carry, false, false)
            }
            _ => (PieceKind::Work, false, true),
        },
        "export" => {
            let ok = cmd.assignments.is_empty()
                && cmd.args().iter().all(|w| {
                    let raw = &w.raw;
                    let name_end = raw.find('=').unwrap_or(raw.len());
                    let name = &raw[..name_end];
                    !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && stable(&raw[name_end..])
                });
            (PieceKind::Carry, false, !ok)
        }
        n if is_stateful(n) => (PieceKind::Work, false, true),
        _ => (PieceKind::Work, false, false),
    }
}

fn is_stateful(name: &str) -> bool {
    STATEFUL.contains(&name) || name == "set" || name == "cd" || name == "export"
}

/// A word that evaluates the same every time it is evaluated after the same
/// carried state: no command or arithmetic substitution, no special
/// parameter (`$?`, `$$`, `$!`, `$RANDOM`...).
fn stable(raw: &str) -> bool {
    if raw.contains("$(") || raw.contains('`') || raw.contains("$[") {
        return false;
    }
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'$' {
            let rest = &raw[i + 1..];
            let name: String = rest
                .trim_start_matches('{')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let first = rest.trim_start_matches('{').chars().next();
            match first {
                None => {}
                Some(c)
                    if (c.is_ascii_alphabetic() || c == '_')
                        && UNSTABLE.contains(&name.as_str()) =>
                {
                    return false;
                }
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
                // `$?`, `$$`, `$!`, `$#`, `$@`, `$*`, `$0`..`$9`, `$-`: not carried.
                Some(_) => {
                    if rest.starts_with('{') && rest[1..].starts_with('#') {
                        // `${#NAME}`: a length.
                    } else if rest.starts_with('\'') || rest.starts_with('"') {
                        // `$'...'`, `$"..."`: quoting.
                    } else {
                        return false;
                    }
                }
            }
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Option<Vec<(String, PieceKind)>> {
        top_pieces(text).map(|ps| {
            ps.iter()
                .map(|p| (text[p.start..p.end].to_string(), p.kind))
                .collect()
        })
    }

    #[test]
    fn an_and_list_splits_at_each_and() {
        let k = kinds("curl -o /a u1 && chmod +x /a && curl -o /b u2").unwrap();
        let texts: Vec<&str> = k.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["curl -o /a u1", "chmod +x /a", "curl -o /b u2"]);
        // Redirections belong to their command.
        let k = kinds("set -e; D=/d; sleep 1 > $D/a; sleep 1 >> /b 2>&1").unwrap();
        let texts: Vec<&str> = k.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            texts,
            ["set -e", "D=/d", "sleep 1 > $D/a", "sleep 1 >> /b 2>&1"]
        );
    }

    #[test]
    fn semicolons_split_only_under_set_e() {
        assert_eq!(kinds("curl -o /a u1; curl -o /b u2"), None);
        let k = kinds("set -eux; curl -o /a u1; curl -o /b u2").unwrap();
        assert_eq!(k.len(), 3);
        assert_eq!(k[0].1, PieceKind::Carry);
        // Before `set -e`, a failing command does not stop the script (and
        // the `set -e` merged into it is no longer carried).
        assert_eq!(
            kinds("curl -o /a u1; set -e; curl -o /b u2; curl -o /c u3"),
            None
        );
    }

    #[test]
    fn state_that_cannot_be_carried_joins_the_rest() {
        let k = kinds("curl -o /a u && D=$(mktemp -d) && curl -o $D/b u && cp $D/b /b");
        let k = k.unwrap();
        assert_eq!(k.len(), 2);
        assert_eq!(k[1].0, "D=$(mktemp -d) && curl -o $D/b u && cp $D/b /b");
        // A middle `a && b` that set -e does not stop at.
        let k = kinds("set -e; curl -o /a u; false && true; curl -o /b u").unwrap();
        assert_eq!(k.last().unwrap().0, "false && true; curl -o /b u");
        assert_eq!(
            kinds("set -e; if true; then X=1; fi; curl -o /a u; curl -o /b u"),
            None
        );
    }

    #[test]
    fn carried_state() {
        let k = kinds("cd /src && X=1 && export Y=$X && make a && make b").unwrap();
        let carry: Vec<&str> = k
            .iter()
            .filter(|p| p.1 == PieceKind::Carry)
            .map(|p| p.0.as_str())
            .collect();
        assert_eq!(carry, ["cd /src", "X=1", "export Y=$X"]);
        assert!(stable("${A:-b}/c"));
        assert!(!stable("$RANDOM"));
        assert!(!stable("$$"));
        assert!(!stable("$?"));
    }

    #[test]
    fn background_heredocs_and_one_piece_are_not_split() {
        assert_eq!(kinds("a & b && c"), None);
        assert_eq!(kinds("cat <<EOF > /x\nhi\nEOF\ntrue && true"), None);
        assert_eq!(kinds("curl -o /a u"), None);
        assert_eq!(kinds("cd /x && make"), None);
        assert_eq!(kinds("set -e\ncurl -o /a u # first\ncurl -o /b u"), None);
    }
}
