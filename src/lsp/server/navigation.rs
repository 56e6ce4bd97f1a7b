//! Hover, definition, references, rename, symbols, highlight, inlay hints,
//! links, folding, code lens and its command, completion, semantic tokens,
//! formatting: each runs one `lsp::navigate` (or `lsp::format`) function on
//! a snapshot; workspace symbols also read the workspace's other Dockerfiles.

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;

use super::{internal, lock, Backend};
use crate::lsp::navigate;

impl Backend {
    pub(super) async fn on_hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
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

    pub(super) async fn on_goto_definition(
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

    pub(super) async fn on_references(
        &self,
        params: lsp::ReferenceParams,
    ) -> Result<Option<Vec<lsp::Location>>> {
        let p = params.text_document_position;
        let decl = params.context.include_declaration;
        Ok(self
            .with_doc(&p.text_document.uri, move |s| {
                navigate::references(&s, p.position, decl)
            })
            .await?
            .flatten())
    }

    pub(super) async fn on_prepare_rename(
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

    pub(super) async fn on_rename(
        &self,
        params: lsp::RenameParams,
    ) -> Result<Option<lsp::WorkspaceEdit>> {
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

    pub(super) async fn on_document_symbol(
        &self,
        params: lsp::DocumentSymbolParams,
    ) -> Result<Option<lsp::DocumentSymbolResponse>> {
        self.with_doc(&params.text_document.uri, |s| {
            lsp::DocumentSymbolResponse::Nested(navigate::symbols(&s))
        })
        .await
    }

    pub(super) async fn on_document_highlight(
        &self,
        params: lsp::DocumentHighlightParams,
    ) -> Result<Option<Vec<lsp::DocumentHighlight>>> {
        let p = params.text_document_position_params;
        Ok(self
            .with_doc(&p.text_document.uri, move |s| {
                navigate::highlight(&s, p.position)
            })
            .await?
            .flatten())
    }

    pub(super) async fn on_symbol(
        &self,
        params: lsp::WorkspaceSymbolParams,
    ) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
        // The open documents as the editor has them, then the workspace's
        // other Dockerfiles from disk.
        let uris = lock(&self.state.docs).uris();
        let mut out = Vec::new();
        for uri in &uris {
            let query = params.query.clone();
            if let Some(found) = self
                .with_doc(uri, move |s| navigate::workspace::symbols(&s, &query))
                .await?
            {
                out.extend(found);
            }
        }
        let files = self.workspace_files().await;
        let settings = self.state.session().settings_without_file();
        let encoding = self.state.caps().encoding;
        let query = params.query;
        let closed = tokio::task::spawn_blocking(move || {
            navigate::workspace::closed_files(&files, &uris, &query, &settings, encoding)
        })
        .await
        .map_err(|e| internal(&e))?;
        out.extend(closed);
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(lsp::WorkspaceSymbolResponse::Nested(out)))
    }

    pub(super) async fn on_inlay_hint(
        &self,
        params: lsp::InlayHintParams,
    ) -> Result<Option<Vec<lsp::InlayHint>>> {
        let range = params.range;
        self.with_doc(&params.text_document.uri, move |s| {
            navigate::inlay_hints(&s, range)
        })
        .await
    }

    pub(super) async fn on_document_link(
        &self,
        params: lsp::DocumentLinkParams,
    ) -> Result<Option<Vec<lsp::DocumentLink>>> {
        self.with_doc(&params.text_document.uri, |s| navigate::links(&s))
            .await
    }

    pub(super) async fn on_folding_range(
        &self,
        params: lsp::FoldingRangeParams,
    ) -> Result<Option<Vec<lsp::FoldingRange>>> {
        self.with_doc(&params.text_document.uri, |s| navigate::folding(&s))
            .await
    }

    pub(super) async fn on_code_lens(
        &self,
        params: lsp::CodeLensParams,
    ) -> Result<Option<Vec<lsp::CodeLens>>> {
        self.with_doc(&params.text_document.uri, |s| navigate::code_lens(&s))
            .await
    }

    /// `rdock.goToStage URI POSITION` (the code lenses' command): ask the
    /// editor to show the position (`window/showDocument`).
    pub(super) async fn on_execute_command(
        &self,
        params: lsp::ExecuteCommandParams,
    ) -> Result<Option<Value>> {
        if params.command != navigate::GO_TO_STAGE {
            return Err(Error::invalid_params(format!(
                "unknown command `{}` (rdock has `{}`)",
                params.command,
                navigate::GO_TO_STAGE
            )));
        }
        let (uri, position) = match params.arguments.as_slice() {
            [uri, position] => (
                uri.as_str().and_then(|u| u.parse::<lsp::Uri>().ok()),
                serde_json::from_value::<lsp::Position>(position.clone()).ok(),
            ),
            _ => (None, None),
        };
        let (Some(uri), Some(position)) = (uri, position) else {
            return Err(Error::invalid_params(format!(
                "`{}` takes a document URI and a position, not {}",
                navigate::GO_TO_STAGE,
                Value::Array(params.arguments)
            )));
        };
        let shown = self
            .client
            .show_document(lsp::ShowDocumentParams {
                uri,
                external: Some(false),
                take_focus: Some(true),
                selection: Some(lsp::Range::new(position, position)),
            })
            .await;
        match shown {
            Ok(_) => Ok(None),
            Err(e) => {
                // RequestFailed (LSP 3.17).
                let mut err = Error::new(ErrorCode::ServerError(-32803));
                err.message = format!(
                    "the editor did not show the stage (window/showDocument): {}",
                    e.message
                )
                .into();
                Err(err)
            }
        }
    }

    pub(super) async fn on_completion(
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

/// How long the list of the workspace's Dockerfiles is reused.
const SCAN_FRESH: std::time::Duration = std::time::Duration::from_secs(10);

impl Backend {
    pub(super) async fn on_semantic_tokens_full(
        &self,
        params: lsp::SemanticTokensParams,
    ) -> Result<Option<lsp::SemanticTokensResult>> {
        self.with_doc(&params.text_document.uri, |s| {
            lsp::SemanticTokensResult::Tokens(navigate::semantic_tokens(&s))
        })
        .await
    }

    pub(super) async fn on_formatting(
        &self,
        params: lsp::DocumentFormattingParams,
    ) -> Result<Option<Vec<lsp::TextEdit>>> {
        let options = params.options;
        self.with_doc(&params.text_document.uri, move |s| {
            crate::lsp::format::edits(&s, None, &options)
        })
        .await
    }

    pub(super) async fn on_range_formatting(
        &self,
        params: lsp::DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<lsp::TextEdit>>> {
        let (range, options) = (params.range, params.options);
        self.with_doc(&params.text_document.uri, move |s| {
            crate::lsp::format::edits(&s, Some(range), &options)
        })
        .await
    }

    /// The Dockerfiles of the workspace folders (bounded, see
    /// `navigate::workspace`), found again after [`SCAN_FRESH`] or a change
    /// of watched files; with a progress report while the first search runs.
    async fn workspace_files(&self) -> Arc<Vec<std::path::PathBuf>> {
        if let Some((at, files)) = lock(&self.state.scanned).as_ref() {
            if at.elapsed() < SCAN_FRESH {
                return files.clone();
            }
        }
        let folders = self.state.folders();
        let first = lock(&self.state.scanned).is_none();
        let _report = (first && self.state.caps().progress && !folders.is_empty()).then(|| {
            crate::lsp::progress::start(
                &self.client,
                "rdock".into(),
                "finding the workspace's Dockerfiles".into(),
            )
        });
        let (files, problems) =
            tokio::task::spawn_blocking(move || navigate::workspace::scan(&folders))
                .await
                .unwrap_or_default();
        for p in problems {
            self.client
                .log_message(lsp::MessageType::WARNING, format!("rdock: {p}"))
                .await;
        }
        let files = Arc::new(files);
        *lock(&self.state.scanned) = Some((std::time::Instant::now(), files.clone()));
        files
    }
}
