//! `initialize`, `initialized`, `shutdown`: the capabilities rdock offers, the
//! client's that it reads, the file watchers it registers, and the end of
//! the server with its editor.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::PoisonError;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types as lsp;

use super::{Backend, ClientCaps};
use crate::lsp::actions;
use crate::lsp::convert::Encoding;
use crate::lsp::navigate;
use crate::lsp::options::Options;

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

impl Backend {
    pub(super) async fn on_initialize(
        &self,
        params: lsp::InitializeParams,
    ) -> Result<lsp::InitializeResult> {
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
            progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
        };
        *self
            .state
            .caps
            .write()
            .unwrap_or_else(PoisonError::into_inner) = client_caps;
        // The workspace folders (else the deprecated root URI): where a
        // file outside any repository looks for builds.
        #[allow(deprecated)]
        let folders: Vec<std::path::PathBuf> = match &params.workspace_folders {
            Some(f) => f
                .iter()
                .filter_map(|f| f.uri.to_file_path())
                .map(|p| p.into_owned())
                .collect(),
            None => params
                .root_uri
                .iter()
                .filter_map(|u| u.to_file_path())
                .map(|p| p.into_owned())
                .collect(),
        };
        *self
            .state
            .folders
            .write()
            .unwrap_or_else(PoisonError::into_inner) = folders;
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
                document_highlight_provider: Some(lsp::OneOf::Left(true)),
                inlay_hint_provider: Some(lsp::OneOf::Left(true)),
                workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
                document_link_provider: Some(lsp::DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
                code_lens_provider: Some(lsp::CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                execute_command_provider: Some(lsp::ExecuteCommandOptions {
                    commands: vec![navigate::GO_TO_STAGE.into()],
                    ..Default::default()
                }),
                semantic_tokens_provider: Some(
                    lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                        lsp::SemanticTokensOptions {
                            legend: crate::lsp::navigate::legend(),
                            full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: Default::default(),
                        },
                    ),
                ),
                document_formatting_provider: Some(lsp::OneOf::Left(true)),
                document_range_formatting_provider: Some(lsp::OneOf::Left(true)),
                completion_provider: Some(lsp::CompletionOptions {
                    trigger_characters: Some(vec!["$".into(), "=".into(), "{".into(), "-".into()]),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    pub(super) async fn on_initialized(&self, _: lsp::InitializedParams) {
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

    pub(super) async fn on_shutdown(&self) -> Result<()> {
        SHUTDOWN_REQUESTED.store(true, Ordering::SeqCst);
        Ok(())
    }
}
