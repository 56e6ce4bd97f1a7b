//! The text a configuration error shows: the whole file, or, when a line
//! near the error is long (a 400 KB line of brackets), a window of the
//! error's line around the error, so that a message never echoes a huge
//! line. Line and column numbers stay those of the file.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Lines longer than this (bytes) are not shown whole.
pub const MAX_LINE: usize = 200;
/// Bytes of the error's line shown on each side of the error.
const SIDE: usize = 80;

#[derive(Debug)]
pub struct Excerpt {
    name: String,
    /// A substring of the file, starting at byte `start`.
    text: String,
    start: usize,
    /// Zero-based line and column (characters) of `start` in the file.
    line: usize,
    column: usize,
}

impl Excerpt {
    /// What to show of `text` for an error at byte `at` (a character
    /// boundary): all of it when the lines around `at` are short.
    pub fn new(name: String, text: &str, at: Option<usize>) -> Excerpt {
        let whole = |text: &str| Excerpt {
            name: name.clone(),
            text: text.to_owned(),
            start: 0,
            line: 0,
            column: 0,
        };
        let Some(at) = at.filter(|&a| a <= text.len()) else {
            return whole(text);
        };
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        // The lines shown as context, one on each side, must be short too.
        let prev_start = text[..line_start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let next_end = text[line_end..]
            .get(1..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |i| line_end + 1 + i);
        let long = text[prev_start..next_end]
            .split('\n')
            .any(|l| l.len() > MAX_LINE);
        if !long {
            return whole(text);
        }
        let floor = |mut i: usize| {
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = floor(at.saturating_sub(SIDE).max(line_start));
        let end = floor((at + SIDE).min(line_end));
        Excerpt {
            name,
            text: text[start..end].to_owned(),
            start,
            line: text[..line_start].matches('\n').count(),
            column: text[line_start..start].chars().count(),
        }
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // In the window's coordinates (clamped to it).
        let from = span
            .offset()
            .saturating_sub(self.start)
            .min(self.text.len());
        let len = span.len().min(self.text.len() - from);
        let inner = self.text.as_str().read_span(
            &SourceSpan::new(from.into(), len),
            context_lines_before,
            context_lines_after,
        )?;
        let column = if inner.line() == 0 {
            inner.column() + self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + self.start).into(),
                inner.span().len(),
            ),
            inner.line() + self.line,
            column,
            inner.line_count(),
        )))
    }
}
