//! The open documents: `Uri -> Document { version, text }`, with incremental
//! edits applied in the order they arrive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::convert::{Converter, Encoding};
use crate::line_index::LineIndex;

#[derive(Debug, Clone)]
pub struct Document {
    pub version: i32,
    pub text: String,
    pub index: LineIndex,
    /// A diagnostics task is running for this document.
    pub linting: bool,
    /// The text changed while it ran: it must run again.
    pub dirty: bool,
    /// Counts changes (and the close): work on an older text watches it to
    /// stop early.
    pub generation: Arc<AtomicU64>,
    /// The findings of the last lint: for this version, with these
    /// settings (by identity). Requests on an unchanged document (code
    /// actions at each cursor move) read them instead of linting again.
    pub findings: Option<Findings>,
}

/// Findings computed for one version of a document with one `Settings`.
#[derive(Debug, Clone)]
pub struct Findings {
    pub version: i32,
    pub settings: Arc<crate::settings::Settings>,
    pub diagnostics: Arc<Vec<crate::Diagnostic>>,
}

impl Document {
    pub fn new(version: i32, text: String) -> Self {
        let index = LineIndex::new(&text);
        Document {
            version,
            text,
            index,
            linting: false,
            dirty: false,
            generation: Arc::new(AtomicU64::new(0)),
            findings: None,
        }
    }

    pub fn converter(&self, encoding: Encoding) -> Converter<'_> {
        Converter::new(&self.text, &self.index, encoding)
    }

    /// Apply `didChange` events in order: ranged ones edit, others replace the text.
    pub fn apply(
        &mut self,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let span = self.converter(encoding).span(range);
                    self.text.replace_range(span.range(), &change.text);
                }
                None => self.text = change.text,
            }
            self.index = LineIndex::new(&self.text);
        }
        self.version = version;
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// Every open document.
#[derive(Debug, Default)]
pub struct Documents {
    map: HashMap<Uri, Document>,
}

impl Documents {
    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        self.map.insert(uri, Document::new(version, text));
    }
    pub fn close(&mut self, uri: &Uri) {
        if let Some(d) = self.map.remove(uri) {
            d.generation.fetch_add(1, Ordering::SeqCst);
        }
    }
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.map.get(uri)
    }
    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.map.get_mut(uri)
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn uris(&self) -> Vec<Uri> {
        self.map.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn change(
        range: Option<((u32, u32), (u32, u32))>,
        text: &str,
    ) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range
                .map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_edits_in_order_with_non_ascii() {
        let mut doc = Document::new(1, "FROM é😀 AS a\nRUN x\n".into());
        doc.apply(
            2,
            vec![
                // Replace "a" (after 2 + 2 UTF-16 units of non-ASCII) with "build".
                change(Some(((0, 12), (0, 13))), "build"),
                // Then insert a line, in the text as changed by the first edit.
                change(Some(((1, 0), (1, 0))), "ARG V\n"),
            ],
            Encoding::Utf16,
        );
        assert_eq!(doc.text, "FROM é😀 AS build\nARG V\nRUN x\n");
        assert_eq!(doc.version, 2);
        doc.apply(3, vec![change(None, "FROM x\n")], Encoding::Utf16);
        assert_eq!(doc.text, "FROM x\n");
        assert_eq!(doc.index.line_count(), 2);
    }
}
