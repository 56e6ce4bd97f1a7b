//! Document sync and settings notifications: open, change, save, close,
//! configuration and watched files; each schedules diagnostics.

use tower_lsp_server::ls_types as lsp;

use super::lint::publish;
use super::{lock, Backend};
use crate::lsp::options::Options;

impl Backend {
    pub(super) async fn on_did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        self.reread_without_watching();
        let d = params.text_document;
        lock(&self.state.docs).open(d.uri.clone(), d.version, d.text);
        self.schedule(d.uri);
    }

    pub(super) async fn on_did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let encoding = self.state.caps().encoding;
        {
            let mut docs = lock(&self.state.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            doc.apply(
                params.text_document.version,
                params.content_changes,
                encoding,
            );
        }
        self.schedule(uri);
    }

    pub(super) async fn on_did_save(&self, _: lsp::DidSaveTextDocumentParams) {
        // A saved `.rdock.toml` or build file, for a client that cannot
        // tell the server about file changes.
        if !self.state.caps().watch_dynamic {
            self.state.session().invalidate();
            self.relint_all().await;
        }
    }

    pub(super) async fn on_did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let mut docs = lock(&self.state.docs);
        let big = docs
            .get(&uri)
            .is_some_and(|d| d.text.len() >= super::INLINE_BYTES);
        docs.close(&uri);
        if !self.state.caps().pull {
            let body = publish(uri.clone(), Vec::new(), None);
            self.state.outbox.push_diagnostics(uri.as_str(), body);
        }
        if docs.is_empty() {
            // Nothing open: the parsed RUN bodies kept for the next lint
            // are of no use until a document opens again.
            crate::shell::forget_parsed_scripts();
        }
        let empty = docs.is_empty();
        drop(docs);
        super::release_memory();
        if big || empty {
            super::release_memory_on_rayon_threads();
        }
    }

    pub(super) async fn on_did_change_configuration(
        &self,
        params: lsp::DidChangeConfigurationParams,
    ) {
        // `null`, `{}` or another tool's settings say nothing about rdock's:
        // keep them (some clients send such a change for every server).
        if !crate::lsp::options::mentions_rdock(&params.settings) {
            return;
        }
        match Options::from_json(Some(params.settings)) {
            Ok(o) => self.state.set_options(o),
            Err(msg) => {
                self.client.show_message(lsp::MessageType::ERROR, msg).await;
                return;
            }
        }
        self.relint_all().await;
    }

    pub(super) async fn on_did_change_watched_files(&self, _: lsp::DidChangeWatchedFilesParams) {
        *lock(&self.state.scanned) = None;
        self.state.session().invalidate();
        self.relint_all().await;
    }

    /// A client that does not watch files for the server (Neovim 0.7, say):
    /// the configuration and build files are read again when a document
    /// opens, so a new `.rdock.toml` counts without a restart.
    fn reread_without_watching(&self) {
        if !self.state.caps().watch_dynamic {
            self.state.session().invalidate_config();
        }
    }
}
