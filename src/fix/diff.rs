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
    diff.ops()
        .iter()
        .filter(|op| op.tag() != DiffTag::Equal)
        .map(|op| {
            let (o, n) = (op.old_range(), op.new_range());
            let span = crate::text::Span::new(at(&so, o.start), at(&so, o.end));
            super::Edit::replace(span, new[at(&sn, n.start)..at(&sn, n.end)].to_string())
        })
        .collect()
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
        ] {
            let fix = super::super::Fix::safe("t", edits_between(a, b));
            assert_eq!(super::super::apply_fixes(a, [&fix]).0, b, "{a:?} -> {b:?}");
        }
    }
}
