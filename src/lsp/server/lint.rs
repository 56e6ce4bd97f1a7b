//! Diagnostics in push mode: one task per document lints its newest text
//! and publishes the result while it is still current (see `server`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::Client;

use super::{internal, lock, Backend, State, INLINE_BYTES};
use crate::lsp::{diagnostics, progress, transport};

/// A `textDocument/publishDiagnostics` notification's body.
pub(super) fn publish(
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
pub(super) fn release_memory() {
    // SAFETY: `mi_collect` has no preconditions; it works on the calling
    // thread's heap.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// [`release_memory`] on each thread of rayon's pool, without waiting for
/// them. The parsed RUN bodies and the rules' findings of a long file are
/// made on those threads (`Model::prime_caches`, `check`), and mimalloc
/// frees a block that another thread frees only when the thread that
/// allocated it collects: after a 50,000-line file was closed, the two idle
/// rayon threads kept 3.8 MB of pages whose every block was free. Called
/// by `didClose` after the document and the parse memo are dropped, so the
/// frees come first.
pub(super) fn release_memory_on_rayon_threads() {
    rayon::spawn_broadcast(|_| release_memory());
}

pub(super) async fn lint_loop(client: Client, state: Arc<State>, uri: lsp::Uri) {
    loop {
        let Some((text, version, generation, first)) = ({
            let mut docs = lock(&state.docs);
            docs.get_mut(&uri).map(|d| {
                d.dirty = false;
                let first = d.findings.is_none();
                (d.text.clone(), d.version, d.generation.clone(), first)
            })
        }) else {
            return;
        };
        // The first analysis of a large document: say so while it runs.
        let _report =
            (first && text.len() >= progress::LARGE_BYTES && state.caps().progress).then(|| {
                let name = uri.as_str().rsplit('/').next().map(str::to_string);
                progress::start(
                    &client,
                    "rdock".into(),
                    format!(
                        "analysing {} ({} lines)",
                        name.unwrap_or_default(),
                        text.lines().count()
                    ),
                )
            });
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
            let conv = crate::lsp::convert::Converter::new(&text, &index, encoding);
            let diagnostics = diags
                .iter()
                .flat_map(|d| diagnostics::published_all(d, &conv, &u))
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
                    d.findings = Some(crate::lsp::documents::Findings {
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

impl Backend {
    pub(super) async fn on_diagnostic(
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
}
