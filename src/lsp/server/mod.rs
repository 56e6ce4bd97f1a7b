//! `Backend { client, state }`: thin handlers that update the document store,
//! call the library (`crate::check`, `crate::check_and_fix`,
//! `session::Session`, as the CLI does) and convert.
//!
//! Ordering: tower-lsp polls each notification's future for the first time in
//! arrival order, and `did_change` applies its edits before its first
//! `.await`, so edits are applied in order. Diagnostics run in one task per
//! document at a time; edits arriving meanwhile mark the document dirty and
//! the task runs again on the newest text, publishing only results whose
//! version is still the document's version (checked, and the result queued on
//! the `Outbox`, under the documents' lock). A burst of edits therefore gives
//! one published result, for the last version, and never an older one.
//!
//! Every computation runs on the blocking pool: a panic in it becomes a
//! JSON-RPC error for that request and the server goes on, and a huge
//! document does not hold up requests for other documents.
//!
//! One file per request family: `lifecycle`, `sync` (document and settings
//! notifications), `lint` (diagnostics), `code_actions`, `navigation`.

mod code_actions;
mod direct;
mod lifecycle;
mod lint;
mod navigation;
mod sync;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::{Client, LanguageServer};

use super::convert::Encoding;
use super::documents::Documents;
use super::options::Options;
use super::snapshot::Snapshot;
use super::transport::Outbox;
use crate::session::{ConfigChoice, Session};
use crate::settings::Settings;
use lint::{lint_loop, release_memory, release_memory_on_rayon_threads};

pub use lifecycle::SHUTDOWN_REQUESTED;

pub struct Backend {
    client: Client,
    state: Arc<State>,
}

struct State {
    docs: Mutex<Documents>,
    options: RwLock<Options>,
    /// Settings as `rdock lint` resolves them, for the editor's options;
    /// replaced when they change, its caches dropped when watched files change.
    session: RwLock<Arc<Session>>,
    /// The workspace folders the client opened.
    folders: RwLock<Vec<std::path::PathBuf>>,
    caps: RwLock<ClientCaps>,
    /// Where published diagnostics go (`transport::Outbox`).
    outbox: Outbox,
    /// The Dockerfiles of the workspace folders and when they were found
    /// (workspace symbols); found again when files change or it is old.
    scanned: Mutex<Option<(std::time::Instant, Arc<Vec<std::path::PathBuf>>)>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct ClientCaps {
    encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`): do not push.
    pull: bool,
    resolve_edits: bool,
    watch_dynamic: bool,
    refresh: bool,
    /// The client shows work-done progress (`window.workDoneProgress`).
    progress: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    fn caps(&self) -> ClientCaps {
        *self.caps.read().unwrap_or_else(PoisonError::into_inner)
    }
    fn options(&self) -> Options {
        self.options
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The editor's workspace folders.
    fn folders(&self) -> Vec<std::path::PathBuf> {
        self.folders
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn session(&self) -> Arc<Session> {
        self.session
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// New editor settings: a new session for them.
    fn set_options(&self, o: Options) {
        let session = session_for(&o, self.folders());
        *self.options.write().unwrap_or_else(PoisonError::into_inner) = o;
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = session;
    }

    /// The settings for a document, resolved as `rdock lint` resolves them
    /// for that path (the session caches them until a watched file or the
    /// editor's settings change). A broken configuration file is reported
    /// and skipped.
    fn settings_for(&self, uri: &lsp::Uri) -> (Arc<Settings>, Option<String>) {
        let session = self.session();
        let Some(path) = uri.to_file_path() else {
            return (session.settings_without_file(), None);
        };
        match session.settings_for(&path) {
            Ok(s) => (s, None),
            Err(e) => (
                session.settings_without_config(&path),
                Some(format!("rdock: {e}; linting without it")),
            ),
        }
    }
}

/// The session for the editor's settings and workspace folders (the root
/// of a file outside any repository, `workspace::root`).
fn session_for(opts: &Options, folders: Vec<std::path::PathBuf>) -> Arc<Session> {
    let choice = ConfigChoice::unless_ignored(opts.no_config);
    Arc::new(Session::new(opts.overrides(), choice).with_tops(folders))
}

impl Backend {
    pub fn new(client: Client, outbox: Outbox) -> Self {
        Backend {
            client,
            state: Arc::new(State {
                docs: Mutex::new(Documents::default()),
                options: RwLock::new(Options::default()),
                session: RwLock::new(session_for(&Options::default(), Vec::new())),
                folders: RwLock::new(Vec::new()),
                caps: RwLock::new(ClientCaps::default()),
                outbox,
                scanned: Mutex::new(None),
            }),
        }
    }

    /// Run diagnostics for `uri` soon (push mode), coalescing bursts.
    fn schedule(&self, uri: lsp::Uri) {
        if self.state.caps().pull {
            return;
        }
        let start = {
            let mut docs = lock(&self.state.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            doc.dirty = true;
            !std::mem::replace(&mut doc.linting, true)
        };
        if start {
            tokio::spawn(lint_loop(self.client.clone(), self.state.clone(), uri));
        }
    }

    async fn relint_all(&self) {
        let uris = lock(&self.state.docs).uris();
        for uri in uris {
            self.schedule(uri);
        }
        if self.state.caps().pull && self.state.caps().refresh {
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
    }

    /// Run `f` on the current text of an open document, on the blocking pool.
    async fn with_doc<T, F>(&self, uri: &lsp::Uri, f: F) -> Result<Option<T>>
    where
        T: Send + 'static,
        F: FnOnce(Snapshot) -> T + Send + 'static,
    {
        let Some((text, version, findings)) = lock(&self.state.docs)
            .get(uri)
            .map(|d| (d.text.clone(), d.version, d.findings.clone()))
        else {
            return Ok(None);
        };
        let state = self.state.clone();
        let uri = uri.clone();
        let (settings, _) = state.settings_for(&uri);
        // Dropped with this future when the client cancels the request
        // (`$/cancelRequest`): the computation then stops between rules.
        let cancel = CancelOnDrop(Arc::new(AtomicBool::new(false)));
        let snap = Snapshot {
            cancel: cancel.0.clone(),
            uri,
            version,
            index: crate::line_index::LineIndex::new(&text),
            text,
            settings,
            encoding: state.caps().encoding,
            options: state.options(),
            resolve_edits: state.caps().resolve_edits,
            findings,
        };
        let result = tokio::task::spawn_blocking(move || {
            let big = snap.text.len() >= INLINE_BYTES;
            let answer = f(snap);
            if big {
                release_memory();
            }
            answer
        })
        .await
        .map(Some)
        .map_err(|e| internal(&e));
        drop(cancel);
        result
    }
}

/// Sets its flag when dropped.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Documents smaller than this are linted on the task that handles the
/// edit, without a hand-over to the blocking pool (a few hundred
/// microseconds of work, where a thread hand-over on a loaded machine can
/// cost milliseconds); larger ones go to the blocking pool so that other
/// requests are served meanwhile.
const INLINE_BYTES: usize = 16 * 1024;

fn internal(e: &tokio::task::JoinError) -> Error {
    let mut err = Error::new(ErrorCode::InternalError);
    let msg: &'static str = if e.is_panic() {
        "rdock: internal error while answering this request (a bug; please report it); the server goes on"
    } else {
        "rdock: request cancelled"
    };
    err.message = msg.into();
    err
}

impl LanguageServer for Backend {
    // lifecycle.rs
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        self.on_initialize(params).await
    }
    async fn initialized(&self, params: lsp::InitializedParams) {
        self.on_initialized(params).await
    }
    async fn shutdown(&self) -> Result<()> {
        self.on_shutdown().await
    }

    // sync.rs
    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        self.on_did_open(params).await
    }
    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        self.on_did_change(params).await
    }
    async fn did_save(&self, params: lsp::DidSaveTextDocumentParams) {
        self.on_did_save(params).await
    }
    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        self.on_did_close(params).await
    }
    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        self.on_did_change_configuration(params).await
    }
    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        self.on_did_change_watched_files(params).await
    }

    // lint.rs
    async fn diagnostic(
        &self,
        params: lsp::DocumentDiagnosticParams,
    ) -> Result<lsp::DocumentDiagnosticReportResult> {
        self.on_diagnostic(params).await
    }

    // code_actions.rs
    async fn code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> Result<Option<lsp::CodeActionResponse>> {
        self.on_code_action(params).await
    }
    async fn code_action_resolve(&self, action: lsp::CodeAction) -> Result<lsp::CodeAction> {
        self.on_code_action_resolve(action).await
    }

    // navigation.rs
    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        self.on_hover(params).await
    }
    async fn goto_definition(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> Result<Option<lsp::GotoDefinitionResponse>> {
        self.on_goto_definition(params).await
    }
    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        self.on_references(params).await
    }
    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResponse>> {
        self.on_prepare_rename(params).await
    }
    async fn rename(&self, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
        self.on_rename(params).await
    }
    async fn document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        self.on_document_symbol(params).await
    }
    async fn document_highlight(
        &self,
        params: lsp::DocumentHighlightParams,
    ) -> Result<Option<Vec<lsp::DocumentHighlight>>> {
        self.on_document_highlight(params).await
    }
    async fn symbol(
        &self,
        params: lsp::WorkspaceSymbolParams,
    ) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        self.on_symbol(params).await
    }
    async fn inlay_hint(
        &self,
        params: lsp::InlayHintParams,
    ) -> Result<Option<Vec<lsp::InlayHint>>> {
        self.on_inlay_hint(params).await
    }
    async fn document_link(
        &self,
        params: lsp::DocumentLinkParams,
    ) -> Result<Option<Vec<lsp::DocumentLink>>> {
        self.on_document_link(params).await
    }
    async fn folding_range(
        &self,
        params: lsp::FoldingRangeParams,
    ) -> Result<Option<Vec<lsp::FoldingRange>>> {
        self.on_folding_range(params).await
    }
    async fn code_lens(&self, params: lsp::CodeLensParams) -> Result<Option<Vec<lsp::CodeLens>>> {
        self.on_code_lens(params).await
    }
    async fn execute_command(&self, params: lsp::ExecuteCommandParams) -> Result<Option<Value>> {
        self.on_execute_command(params).await
    }
    async fn semantic_tokens_full(
        &self,
        params: lsp::SemanticTokensParams,
    ) -> Result<Option<lsp::SemanticTokensResult>> {
        self.on_semantic_tokens_full(params).await
    }
    async fn formatting(
        &self,
        params: lsp::DocumentFormattingParams,
    ) -> Result<Option<Vec<lsp::TextEdit>>> {
        self.on_formatting(params).await
    }
    async fn range_formatting(
        &self,
        params: lsp::DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<lsp::TextEdit>>> {
        self.on_range_formatting(params).await
    }
    async fn completion(
        &self,
        params: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        self.on_completion(params).await
    }
}

impl Backend {
    /// Answers a message the transport could not accept (see `transport`).
    pub async fn malformed(&self, params: super::transport::Malformed) -> Result<Value> {
        super::transport::malformed_error(&params)
    }
}
