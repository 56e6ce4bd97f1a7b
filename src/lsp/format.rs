//! `textDocument/formatting` and `rangeFormatting`: `syntax::format`, the
//! file's own style made consistent, as text edits. Range formatting keeps
//! the edits on the lines the range touches; the style is still the whole
//! file's.

use tower_lsp_server::ls_types as lsp;

use super::snapshot::Snapshot;
use crate::syntax::format;
use crate::Span;

/// The edits formatting `s` (inside the lines of `range`, when given).
pub fn edits(
    s: &Snapshot,
    range: Option<lsp::Range>,
    options: &lsp::FormattingOptions,
) -> Vec<lsp::TextEdit> {
    let conv = s.conv();
    let only = range.map(|r| {
        // Whole lines: from the start of the first to the end of the last.
        let start = conv.offset(lsp::Position::new(r.start.line, 0));
        let end = if r.end.character == 0 && r.end.line > r.start.line {
            conv.offset(lsp::Position::new(r.end.line, 0))
        } else {
            conv.offset(lsp::Position::new(r.end.line + 1, 0))
        };
        Span::new(start, end)
    });
    let opts = format::Options {
        // Only an explicit `false` keeps trailing whitespace.
        trim_trailing_whitespace: options.trim_trailing_whitespace != Some(false),
    };
    let df = crate::syntax::parse(&s.text);
    format::edits(&s.text, &df, only, opts)
        .into_iter()
        .map(|(span, text)| lsp::TextEdit::new(conv.range(span), text))
        .collect()
}
