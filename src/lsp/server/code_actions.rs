//! `textDocument/codeAction` and `codeAction/resolve` (`lsp::actions` builds
//! the actions).

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types as lsp;

use super::Backend;
use crate::lsp::actions;
use crate::lsp::snapshot::Snapshot;

impl Backend {
    pub(super) async fn on_code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> Result<Option<lsp::CodeActionResponse>> {
        let range = params.range;
        let only = params.context.only;
        self.with_doc(&params.text_document.uri, move |s| {
            let (fix_all, lazy) = (s.options.fix_all, s.resolve_edits);
            actions_at(&s, range, only.as_deref(), fix_all, lazy)
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

    pub(super) async fn on_code_action_resolve(
        &self,
        action: lsp::CodeAction,
    ) -> Result<lsp::CodeAction> {
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
                // The whole-file fix runs only when that is the action chosen.
                let fix_all = s.options.fix_all && wanted.kind == Some(actions::fix_all_kind());
                actions_at(&s, range, None, fix_all, false)
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
}

/// The actions for `range` of the document as `s` holds it, from its
/// findings (the last lint of this version, or a new one).
fn actions_at(
    s: &Snapshot,
    range: lsp::Range,
    only: Option<&[lsp::CodeActionKind]>,
    fix_all: bool,
    lazy: bool,
) -> Vec<lsp::CodeAction> {
    let conv = s.conv();
    let diags = s.check();
    actions::code_actions(&actions::Request {
        uri: &s.uri,
        conv,
        settings: &s.settings,
        diagnostics: &diags,
        range: conv.span(range),
        only,
        fix_all,
        lazy,
    })
}
