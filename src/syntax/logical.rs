//! A logical line: the text BuildKit sees after joining line continuations,
//! with a map back to byte offsets in the original file.

use crate::text::Span;

#[derive(Debug, Default, Clone)]
pub(crate) struct Logical {
    pub text: String,
    /// `(logical start, source start)` of each joined piece, in order.
    segs: Vec<(usize, usize)>,
}

impl Logical {
    pub fn push(&mut self, piece: &str, source_start: usize) {
        if piece.is_empty() {
            return;
        }
        self.segs.push((self.text.len(), source_start));
        self.text.push_str(piece);
    }

    /// The pieces covering `lo..hi`, re-based so that `lo` is 0.
    pub fn pieces(&self, lo: usize, hi: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, &(l, s)) in self.segs.iter().enumerate() {
            let next = self.segs.get(i + 1).map_or(self.text.len(), |x| x.0);
            if next <= lo || l >= hi {
                continue;
            }
            let start = l.max(lo);
            out.push((start - lo, s + (start - l)));
        }
        out
    }

    /// Source offset of the logical byte at `lo` (the start of a range).
    pub fn start(&self, lo: usize) -> usize {
        let i = self.segs.partition_point(|&(l, _)| l <= lo);
        match i.checked_sub(1).and_then(|i| self.segs.get(i)) {
            Some(&(l, s)) => s + (lo - l),
            None => 0,
        }
    }

    /// Source offset just past the logical byte before `lo` (the end of a range).
    pub fn end(&self, lo: usize) -> usize {
        let i = self.segs.partition_point(|&(l, _)| l < lo);
        match i.checked_sub(1).and_then(|i| self.segs.get(i)) {
            Some(&(l, s)) => s + (lo - l),
            None => self.segs.first().map_or(0, |&(_, s)| s),
        }
    }

    /// The source span of the logical range `lo..hi`.
    pub fn span(&self, lo: usize, hi: usize) -> Span {
        if lo >= hi {
            let at = if lo >= self.text.len() {
                self.end(lo)
            } else {
                self.start(lo)
            };
            return Span::empty(at);
        }
        Span::new(self.start(lo), self.end(hi))
    }
}

/// BuildKit's `unicode.IsSpace`.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]+`.
pub(crate) fn is_split_space(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// `strings.TrimSpace` as offsets into `s`: `(start, end)`.
pub(crate) fn trim_bounds(s: &str, from: usize, to: usize) -> (usize, usize) {
    let piece = &s[from..to];
    let start = from + (piece.len() - piece.trim_start_matches(is_space).len());
    let end = from + piece.trim_end_matches(is_space).len();
    (start.min(end), end)
}

/// Ranges of `s[from..to]` split on runs of `[\t\v\f\r ]`, as BuildKit's
/// `reWhitespace.Split` on a trimmed string.
pub(crate) fn split_fields(s: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s[from..to].char_indices() {
        let i = from + i;
        if is_split_space(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, to));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_across_pieces() {
        // "RUN a \\\n    b" joined as "RUN a     b"
        let src = "RUN a \\\n    b";
        let mut l = Logical::default();
        l.push("RUN a ", 0);
        l.push("    b", 8);
        assert_eq!(l.text, "RUN a     b");
        let b = l.text.find('b').unwrap();
        assert_eq!(&src[l.span(b, b + 1).range()], "b");
        assert_eq!(&src[l.span(4, b + 1).range()], "a \\\n    b");
        assert_eq!(l.span(l.text.len(), l.text.len()), Span::empty(src.len()));
    }
}
