//! Requests answered without tower-lsp's `serde_json::Value` round trip
//! (`transport::DIRECT`): the typed result of the same handler is
//! serialized straight to bytes and queued on the outbox, and the memory
//! of a large answer is handed back to the system once it is written out.

use serde::de::DeserializeOwned;
use serde::Serialize;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::LanguageServer;

use super::{release_memory, Backend};
use crate::lsp::transport::{self, Direct};

impl Backend {
    /// Answer the request `d` carries (a `rdock/direct` notification).
    pub async fn direct(&self, d: Direct) {
        let Direct { id, method, params } = d;
        let p = params;
        let body = match method.as_str() {
            "textDocument/documentSymbol" => answer(&id, p, |p| self.document_symbol(p)).await,
            "textDocument/semanticTokens/full" => {
                answer(&id, p, |p| self.semantic_tokens_full(p)).await
            }
            "textDocument/formatting" => answer(&id, p, |p| self.formatting(p)).await,
            "textDocument/rangeFormatting" => answer(&id, p, |p| self.range_formatting(p)).await,
            "textDocument/foldingRange" => answer(&id, p, |p| self.folding_range(p)).await,
            "textDocument/codeLens" => answer(&id, p, |p| self.code_lens(p)).await,
            "workspace/symbol" => answer(&id, p, |p| self.symbol(p)).await,
            _ => transport::response::<()>(&id, &Err(Error::method_not_found())),
        };
        let big = body.len() > 64 * 1024;
        self.state.outbox.push(body);
        if big {
            release_memory();
        }
    }
}

impl Backend {
    /// Handle the notification kept aside as `l.slot` (`transport::LARGE_METHOD`).
    /// Nothing awaits before the handler is called, and the handlers apply
    /// their edit before their first `.await`: edits stay in order.
    pub async fn large(&self, l: transport::Large) {
        let Some((method, params)) = transport::take_large(l.slot) else {
            return;
        };
        match method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value(params) {
                    self.did_open(p).await;
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value(params) {
                    self.did_change(p).await;
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value(params) {
                    self.did_save(p).await;
                }
            }
            _ => {}
        }
    }
}

/// The response to request `id` with `params`, handled by `f`.
async fn answer<P, R, F, Fut>(id: &serde_json::Value, params: serde_json::Value, f: F) -> Vec<u8>
where
    P: DeserializeOwned,
    R: Serialize,
    F: FnOnce(P) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    match serde_json::from_value::<P>(params) {
        Ok(p) => transport::response(id, &f(p).await),
        Err(e) => transport::response::<()>(id, &Err(Error::invalid_params(e.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_the_id_and_typed_errors() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let id = serde_json::json!("a\"b");
        let len = |p: Vec<u8>| async move { Ok(p.len()) };
        let ok = rt.block_on(answer(&id, serde_json::json!([1]), len));
        let v: serde_json::Value = serde_json::from_slice(&ok).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"jsonrpc": "2.0", "id": "a\"b", "result": 1})
        );
        let bad = rt.block_on(answer(&id, serde_json::json!({}), len));
        let v: serde_json::Value = serde_json::from_slice(&bad).unwrap();
        assert_eq!(v["error"]["code"], -32602);
        assert_eq!(v["id"], "a\"b");
    }
}
