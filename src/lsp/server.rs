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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::{Client, LanguageServer};

use super::actions;
use super::convert::Encoding;
use super::diagnostics;
use super::documents::Documents;
use super::navigate;
use super::options::Options;
use super::snapshot::Snapshot;
use super::transport::{self, Outbox};
use crate::session::{ConfigChoice, Session};
use crate::settings::Settings;

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
    caps: RwLock<ClientCaps>,
    /// Where published diagnostics go (`transport::Outbox`).
    outbox: Outbox,
}

#[derive(Debug, Clone, Copy, Default)]
struct ClientCaps {
    encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`): do not push.
    pull: bool,
    resolve_edits: bool,
    watch_dynamic: bool,
    refresh: bool,
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

    fn session(&self) -> Arc<Session> {
        self.session
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// New editor settings: a new session for them.
    fn set_options(&self, o: Options) {
        let session = session_for(&o);
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

/// The session for the editor's settings.
fn session_for(opts: &Options) -> Arc<Session> {
    let choice = if opts.no_config {
        ConfigChoice::Ignore
    } else {
        ConfigChoice::Discover
    };
    Arc::new(Session::new(opts.overrides(), choice))
}

impl Backend {
    pub fn new(client: Client, outbox: Outbox) -> Self {
        Backend {
            client,
            state: Arc::new(State {
                docs: Mutex::new(Documents::default()),
                options: RwLock::new(Options::default()),
                session: RwLock::new(session_for(&Options::default())),
                caps: RwLock::new(ClientCaps::default()),
                outbox,
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
        let result = tokio::task::spawn_blocking(move || f(snap))
            .await
            .map(Some)
            .map_err(|e| internal(&e));
        drop(cancel);
        result
    }
}

/// Set by `shutdown`: `exit` after it ends the process with 0, without it 1
/// (the LSP specification's rule), see `lsp::run`.
pub static SHUTDOWN_REQUESTED: AtomicBool = AtomicBool::new(false);

/// End the server when the editor that started it (`processId` of
/// `initialize`) is gone, so a crashed editor leaves no server behind.
fn watch_parent(pid: u32) {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return;
        };
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(3));
            // SAFETY: kill with signal 0 only checks that the process exists.
            let gone = unsafe { libc::kill(pid, 0) } != 0
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
            if gone {
                std::process::exit(1);
            }
        });
    }
    #[cfg(not(unix))]
    let _ = pid;
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

/// A `textDocument/publishDiagnostics` notification's body.
fn publish(
    uri: lsp::Uri,
    diagnostics: Vec<diagnostics::Published>,
    version: Option<i32>,
) -> Vec<u8> {
    /// `lsp::PublishDiagnosticsParams`, with the diagnostics as published.
    #[derive(serde::Serialize)]
    struct Params {
        uri: lsp::Uri,
        diagnostics: Vec<diagnostics::Published>,
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<i32>,
    }
    transport::notification(
        "textDocument/publishDiagnostics",
        &Params {
            uri,
            diagnostics,
            version,
        },
    )
}

/// Give the memory this thread freed back to the system, after the result
/// of a big document is on its way. mimalloc keeps a thread's freed pages
/// for reuse and returns them only on the thread's later allocations, so a
/// blocking-pool thread that linted a 5,000-line file and went idle kept
/// some 25 MB resident; collecting takes well under a millisecond here.
/// (Without mimalloc as the global allocator, as in the tests, this only
/// tidies mimalloc's own, empty heap.)
fn release_memory() {
    // SAFETY: `mi_collect` has no preconditions; it works on the calling
    // thread's heap.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

async fn lint_loop(client: Client, state: Arc<State>, uri: lsp::Uri) {
    loop {
        let Some((text, version, generation)) = ({
            let mut docs = lock(&state.docs);
            docs.get_mut(&uri).map(|d| {
                d.dirty = false;
                (d.text.clone(), d.version, d.generation.clone())
            })
        }) else {
            return;
        };
        let (settings, config_error) = state.settings_for(&uri);
        if let Some(msg) = config_error {
            client.log_message(lsp::MessageType::ERROR, msg).await;
        }
        let encoding = state.caps().encoding;
        let u = uri.clone();
        let inline = text.len() < INLINE_BYTES;
        let st = state.clone();
        let lint = move || {
            // An edit (or the close) makes this result useless: stop early.
            let started = generation.load(Ordering::SeqCst);
            let stale = || generation.load(Ordering::Relaxed) != started;
            let diags = crate::check_unless(&text, &settings, &stale)?;
            let index = crate::line_index::LineIndex::new(&text);
            let conv = super::convert::Converter::new(&text, &index, encoding);
            let diagnostics = diags
                .iter()
                .map(|d| diagnostics::published(d, &conv, &u))
                .collect();
            let body = publish(u.clone(), diagnostics, Some(version));
            // Decided and queued under the lock: a later edit or the close
            // cannot slip in between.
            {
                let mut docs = lock(&st.docs);
                if let Some(d) = docs
                    .get_mut(&u)
                    .filter(|d| d.version == version && !d.dirty)
                {
                    st.outbox.push_diagnostics(u.as_str(), body);
                    d.findings = Some(super::documents::Findings {
                        version,
                        settings: settings.clone(),
                        diagnostics: Arc::new(diags),
                    });
                }
            }
            if !inline {
                drop((index, text));
                release_memory();
            }
            Some(())
        };
        let result = if inline {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(lint)).map_err(|_| {
                "rdock: internal error while linting (a bug; please report it); the server goes on"
                    .to_string()
            })
        } else {
            tokio::task::spawn_blocking(lint)
                .await
                .map_err(|e| internal(&e).message.into_owned())
        };
        if let Err(msg) = result {
            client.log_message(lsp::MessageType::ERROR, msg).await;
        }
        let mut docs = lock(&state.docs);
        match docs.get_mut(&uri) {
            Some(d) if d.dirty => continue,
            Some(d) => {
                d.linting = false;
                return;
            }
            None => return,
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        if let Some(pid) = params.process_id {
            watch_parent(pid);
        }
        let caps = &params.capabilities;
        let encoding = Encoding::negotiate(
            caps.general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let td = caps.text_document.as_ref();
        let client_caps = ClientCaps {
            encoding,
            pull: td.is_some_and(|t| t.diagnostic.is_some()),
            resolve_edits: td
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.resolve_support.as_ref())
                .is_some_and(|r| r.properties.iter().any(|p| p == "edit")),
            watch_dynamic: caps
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            refresh: caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
        };
        *self
            .state
            .caps
            .write()
            .unwrap_or_else(PoisonError::into_inner) = client_caps;
        match Options::from_json(params.initialization_options) {
            Ok(o) => self.state.set_options(o),
            Err(msg) => {
                return Err(Error::invalid_params(msg));
            }
        }
        Ok(lsp::InitializeResult {
            server_info: Some(lsp::ServerInfo {
                name: "rdock".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: lsp::ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                    lsp::TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                        save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                diagnostic_provider: Some(lsp::DiagnosticServerCapabilities::Options(
                    lsp::DiagnosticOptions {
                        identifier: Some("rdock".into()),
                        inter_file_dependencies: false,
                        workspace_diagnostics: false,
                        ..Default::default()
                    },
                )),
                code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                    lsp::CodeActionOptions {
                        code_action_kinds: Some(vec![
                            lsp::CodeActionKind::QUICKFIX,
                            lsp::CodeActionKind::REFACTOR_REWRITE,
                            actions::fix_all_kind(),
                        ]),
                        resolve_provider: Some(client_caps.resolve_edits),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
                definition_provider: Some(lsp::OneOf::Left(true)),
                references_provider: Some(lsp::OneOf::Left(true)),
                rename_provider: Some(lsp::OneOf::Right(lsp::RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(lsp::OneOf::Left(true)),
                folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
                code_lens_provider: Some(lsp::CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                completion_provider: Some(lsp::CompletionOptions {
                    trigger_characters: Some(vec!["$".into(), "=".into(), "{".into(), "-".into()]),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        if self.state.caps().watch_dynamic {
            // Configuration, build contexts' ignore files, and the files the
            // build targets are read from (`crate::workspace::discover`).
            let watchers = [
                "**/.rdock.toml",
                "**/rdock.toml",
                "**/.dockerignore",
                "**/*.dockerignore",
                "**/docker-bake.*",
                "**/*compose*.{yml,yaml}",
                "**/.github/workflows/*.{yml,yaml}",
                "**/{Makefile,GNUmakefile,*.mk,*.sh,*.bash}",
            ]
            .iter()
            .map(|g| lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String((*g).into()),
                kind: None,
            })
            .collect();
            let reg = lsp::Registration {
                id: "rdock-config-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(
                    lsp::DidChangeWatchedFilesRegistrationOptions { watchers },
                )
                .ok(),
            };
            let _ = self.client.register_capability(vec![reg]).await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        SHUTDOWN_REQUESTED.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        self.reread_without_watching();
        let d = params.text_document;
        lock(&self.state.docs).open(d.uri.clone(), d.version, d.text);
        self.schedule(d.uri);
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
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

    async fn did_save(&self, _: lsp::DidSaveTextDocumentParams) {
        // A saved `.rdock.toml` or build file, for a client that cannot
        // tell the server about file changes.
        if !self.state.caps().watch_dynamic {
            self.state.session().invalidate();
            self.relint_all().await;
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let mut docs = lock(&self.state.docs);
        docs.close(&uri);
        if !self.state.caps().pull {
            let body = publish(uri.clone(), Vec::new(), None);
            self.state.outbox.push_diagnostics(uri.as_str(), body);
        }
    }

    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        // `null`, `{}` or another tool's settings say nothing about rdock's:
        // keep them (some clients send such a change for every server).
        if !super::options::mentions_rdock(&params.settings) {
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

    async fn did_change_watched_files(&self, _: lsp::DidChangeWatchedFilesParams) {
        self.state.session().invalidate();
        self.relint_all().await;
    }

    async fn diagnostic(
        &self,
        params: lsp::DocumentDiagnosticParams,
    ) -> Result<lsp::DocumentDiagnosticReportResult> {
        let items = self
            .with_doc(&params.text_document.uri, |s| s.diagnostics())
            .await?
            .unwrap_or_default();
        Ok(lsp::DocumentDiagnosticReportResult::Report(
            lsp::DocumentDiagnosticReport::Full(lsp::RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> Result<Option<lsp::CodeActionResponse>> {
        let range = params.range;
        let only = params.context.only;
        self.with_doc(&params.text_document.uri, move |s| {
            let conv = s.conv();
            let diags = s.check();
            let req = actions::Request {
                uri: &s.uri,
                conv,
                settings: &s.settings,
                diagnostics: &diags,
                range: conv.span(range),
                only: only.as_deref(),
                fix_all: s.options.fix_all,
                lazy: s.resolve_edits,
            };
            actions::code_actions(&req)
                .into_iter()
                .map(|a| {
                    if s.resolve_edits {
                        actions::defer(a, &s.uri, s.version, range)
                    } else {
                        a
                    }
                })
                .map(lsp::CodeActionOrCommand::CodeAction)
                .collect()
        })
        .await
    }

    async fn code_action_resolve(&self, action: lsp::CodeAction) -> Result<lsp::CodeAction> {
        let data = action.data.clone().unwrap_or(Value::Null);
        let (Some(uri), Some(range)) = (
            data.get("uri")
                .and_then(Value::as_str)
                .and_then(|u| u.parse::<lsp::Uri>().ok()),
            data.get("range")
                .and_then(|r| serde_json::from_value::<lsp::Range>(r.clone()).ok()),
        ) else {
            return Err(Error::invalid_params(
                "rdock: this code action has no rdock data to resolve",
            ));
        };
        let version = data.get("version").and_then(Value::as_i64);
        let wanted = action.clone();
        let found = self
            .with_doc(&uri, move |s| {
                if version != Some(i64::from(s.version)) {
                    return Err("the document changed since the action was offered");
                }
                let conv = s.conv();
                let diags = s.check();
                let req = actions::Request {
                    uri: &s.uri,
                    conv,
                    settings: &s.settings,
                    diagnostics: &diags,
                    range: conv.span(range),
                    only: None,
                    // The whole-file fix runs only when that is the action chosen.
                    fix_all: s.options.fix_all && wanted.kind == Some(actions::fix_all_kind()),
                    lazy: false,
                };
                actions::code_actions(&req)
                    .into_iter()
                    .find(|a| a.title == wanted.title && a.kind == wanted.kind)
                    .ok_or("the action no longer applies")
            })
            .await?;
        match found {
            Some(Ok(mut a)) => {
                a.data = action.data;
                Ok(a)
            }
            Some(Err(why)) => {
                let mut e = Error::new(ErrorCode::ContentModified);
                e.message = format!("rdock: {why}").into();
                Err(e)
            }
            None => Err(Error::invalid_params("rdock: the document is not open")),
        }
    }

    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        let p = params.text_document_position_params;
        Ok(self
            .with_doc(&p.text_document.uri, move |s| {
                // Lets the end-to-end tests check that a panic in a request
                // is contained: `RDOCK_LSP_TEST_PANIC=hover`.
                if std::env::var("RDOCK_LSP_TEST_PANIC").as_deref() == Ok("hover") {
                    panic!("RDOCK_LSP_TEST_PANIC=hover");
                }
                navigate::hover(&s, p.position)
            })
            .await?
            .flatten())
    }

    async fn goto_definition(
        &self,
        params: lsp::GotoDefinitionParams,
    ) -> Result<Option<lsp::GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        Ok(self
            .with_doc(&p.text_document.uri, move |s| {
                navigate::definition(&s, p.position).map(lsp::GotoDefinitionResponse::Scalar)
            })
            .await?
            .flatten())
    }

    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        let p = params.text_document_position;
        let decl = params.context.include_declaration;
        Ok(self
            .with_doc(&p.text_document.uri, move |s| {
                navigate::references(&s, p.position, decl)
            })
            .await?
            .flatten())
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResponse>> {
        let p = params;
        Ok(self
            .with_doc(&p.text_document.uri, move |s| {
                navigate::prepare_rename(&s, p.position)
            })
            .await?
            .flatten())
    }

    async fn rename(&self, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
        let p = params.text_document_position;
        let new_name = params.new_name;
        match self
            .with_doc(&p.text_document.uri, move |s| {
                navigate::rename(&s, p.position, &new_name)
            })
            .await?
        {
            Some(Ok(edit)) => Ok(edit),
            Some(Err(msg)) => Err(Error::invalid_params(msg)),
            None => Ok(None),
        }
    }

    async fn document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        self.with_doc(&params.text_document.uri, |s| {
            lsp::DocumentSymbolResponse::Nested(navigate::symbols(&s))
        })
        .await
    }

    async fn folding_range(
        &self,
        params: lsp::FoldingRangeParams,
    ) -> Result<Option<Vec<lsp::FoldingRange>>> {
        self.with_doc(&params.text_document.uri, |s| navigate::folding(&s))
            .await
    }

    async fn code_lens(&self, params: lsp::CodeLensParams) -> Result<Option<Vec<lsp::CodeLens>>> {
        self.with_doc(&params.text_document.uri, |s| navigate::code_lens(&s))
            .await
    }

    async fn completion(
        &self,
        params: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        let p = params.text_document_position;
        self.with_doc(&p.text_document.uri, move |s| {
            lsp::CompletionResponse::Array(navigate::completion(&s, p.position))
        })
        .await
    }
}

impl Backend {
    /// A client that does not watch files for the server (Neovim 0.7, say):
    /// the configuration and build files are read again when a document
    /// opens, so a new `.rdock.toml` counts without a restart.
    fn reread_without_watching(&self) {
        if !self.state.caps().watch_dynamic {
            self.state.session().invalidate_config();
        }
    }

    /// Answers a message the transport could not accept (see `transport`).
    pub async fn malformed(&self, params: super::transport::Malformed) -> Result<Value> {
        super::transport::malformed_error(&params)
    }
}
