//! Unified diffs of what a fix would write, with `similar`.

use similar::TextDiff;

/// A unified diff between `old` and `new`, labelled with `path`. Empty when equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Edits that turn `old` into `new`, one per changed run of lines.
pub fn edits_between(old: &str, new: &str) -> Vec<super::Edit> {
    use similar::DiffTag;
    let diff = TextDiff::from_lines(old, new);
    // Where each line starts, as the diff cut the lines: it ends a line at
    // a lone `\r` too, so counting `\n` alone would put edits elsewhere.
    let starts = |lines: &[&str]| -> Vec<usize> {
        std::iter::once(0)
            .chain(lines.iter().scan(0, |end, l| {
                *end += l.len();
                Some(*end)
            }))
            .collect()
    };
    let (so, sn) = (starts(diff.old_slices()), starts(diff.new_slices()));
    let at = |v: &[usize], line: usize| v.get(line).copied().unwrap_or(*v.last().unwrap_or(&0));
    // Positions from the ops' lengths, in order: similar 2.7 can give an
    // empty range a start that disagrees with the ops around it (an insert
    // placed a line early), so their starts are not used.
    let (mut o, mut n) = (0, 0);
    let mut edits = Vec::new();
    for op in diff.ops() {
        let (ol, nl) = (op.old_range().len(), op.new_range().len());
        if op.tag() != DiffTag::Equal {
            let span = crate::text::Span::new(at(&so, o), at(&so, o + ol));
            edits.push(super::Edit::replace(
                span,
                new[at(&sn, n)..at(&sn, n + nl)].to_string(),
            ));
        }
        o += ol;
        n += nl;
    }
    // Whatever the diff did, the edits must write `new`: else one edit
    // replaces the whole text.
    let fix = super::Fix::safe("check", edits.clone());
    if super::apply_fixes(old, [&fix]).0 != new {
        return vec![super::Edit::replace(
            crate::text::Span::new(0, old.len()),
            new.to_string(),
        )];
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::edits_between;

    #[test]
    fn edits_between_rebuild_the_new_text() {
        for (a, b) in [
            ("a\nb\nc\n", "a\nx\nc\n"),
            ("a\nb\nc", "a\nb\nc\nd"),
            ("", "x\n"),
            ("a\nb\n", ""),
            ("FROM a\nRUN x\n", "FROM a AS p\nRUN y\n\nFROM p\nRUN x\n"),
            // A lone carriage return (found by fuzzing: the edits landed at
            // the end of the file).
            (
                "FROM\r\ra\nRUN x\n",
                "FROM\r\ra AS p\nRUN y\n\nFROM p\nRUN x\n",
            ),
            ("a\rb\r\nc\n", "a\rB\r\nc\n"),
            // similar 2.7 placed an insert a line early in this one (RD501's
            // second pass over a generated program, seed 32000).
            (
                include_str!("../../tests/fixtures/fix/similar-ops/old.Dockerfile"),
                include_str!("../../tests/fixtures/fix/similar-ops/new.Dockerfile"),
            ),
        ] {
            let edits = edits_between(a, b);
            // Not the whole-text fallback: the ops' own lengths place them.
            assert!(edits.len() > 1 || a.len() < 100, "{a:?} -> {b:?}");
            let fix = super::super::Fix::safe("t", edits);
            assert_eq!(super::super::apply_fixes(a, [&fix]).0, b, "{a:?} -> {b:?}");
        }
    }
}
