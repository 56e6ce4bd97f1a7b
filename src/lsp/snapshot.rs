//! `Snapshot`: a copy of one open document with the settings it is linted
//! with, handed to the blocking pool for one request. The request families
//! (`navigate`, `actions`, `diagnostics`) read it; `server` makes it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tower_lsp_server::ls_types as lsp;

use super::convert::Encoding;
use super::diagnostics;
use super::options::Options;
use crate::settings::Settings;

/// A copy of one document and what answering a request about it needs.
pub struct Snapshot {
    pub uri: lsp::Uri,
    pub version: i32,
    pub text: String,
    pub index: crate::line_index::LineIndex,
    pub settings: Arc<Settings>,
    pub encoding: Encoding,
    pub options: Options,
    pub resolve_edits: bool,
    /// Set when nobody waits for the answer any more.
    pub cancel: Arc<AtomicBool>,
    /// The last lint's findings, when they are for this text.
    pub findings: Option<super::documents::Findings>,
}

impl Snapshot {
    /// `crate::check` of the text; empty once the request is cancelled
    /// (the answer is dropped then).
    pub fn check(&self) -> Vec<crate::Diagnostic> {
        if let Some(f) = &self.findings {
            if f.version == self.version && Arc::ptr_eq(&f.settings, &self.settings) {
                return f.diagnostics.as_ref().clone();
            }
        }
        crate::check_unless(&self.text, &self.settings, &|| {
            self.cancel.load(Ordering::Relaxed)
        })
        .unwrap_or_default()
    }
    pub fn conv(&self) -> super::convert::Converter<'_> {
        super::convert::Converter::new(&self.text, &self.index, self.encoding)
    }
    pub fn diagnostics(&self) -> Vec<lsp::Diagnostic> {
        let conv = self.conv();
        self.check()
            .iter()
            .flat_map(|d| diagnostics::to_lsp_all(d, &conv, &self.uri))
            .collect()
    }
}
