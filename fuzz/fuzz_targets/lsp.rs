//! The language server never panics or stops answering, whatever a client
//! sends: the input picks a document text and a sequence of LSP messages
//! (edits, code actions, hovers, completions... at fuzzed positions, and
//! raw garbage frames), served in process over in-memory streams exactly
//! as `rdock lsp` serves stdin. Every request gets exactly one response.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const URI: &str = "file:///fuzz/Dockerfile";

fn frame(out: &mut Vec<u8>, msg: &Value) {
    let body = msg.to_string();
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body.as_bytes());
}

/// Reads the fuzz input: bytes, small numbers and strings.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn pos(&mut self) -> Value {
        let line = u32::from(self.byte().unwrap_or(0) % 40);
        let character = u32::from(self.byte().unwrap_or(0) % 80);
        json!({"line": line, "character": character})
    }
    fn range(&mut self) -> Value {
        let (a, b) = (self.pos(), self.pos());
        json!({"start": a, "end": b})
    }
    /// Up to `max` bytes, as text.
    fn text(&mut self, max: usize) -> String {
        let n = usize::from(self.byte().unwrap_or(0)).min(max).min(self.0.len());
        let (t, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(t).into_owned()
    }
}

fn messages(data: &[u8]) -> (Vec<u8>, BTreeSet<i64>) {
    let mut input = Input(data);
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    let mut next_id = 0;
    let mut request = |out: &mut Vec<u8>, method: &str, params: Value| {
        next_id += 1;
        ids.insert(next_id);
        frame(out, &json!({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params}));
    };
    let flags = input.byte().unwrap_or(0);
    let mut caps = json!({"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}});
    if flags & 1 != 0 {
        caps["general"] = json!({"positionEncodings": ["utf-8"]});
    }
    if flags & 2 != 0 {
        caps["textDocument"]["diagnostic"] = json!({});
    }
    let options = if flags & 4 != 0 {
        json!({"noConfig": true, "select": ["ALL"], "fixAll": true})
    } else {
        json!({"noConfig": true})
    };
    request(&mut out, "initialize", json!({"capabilities": caps, "initializationOptions": options}));
    frame(&mut out, &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let text = input.text(255);
    frame(&mut out, &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": URI, "languageId": "dockerfile", "version": 1, "text": text}}}));
    let doc = json!({"uri": URI});
    let mut version = 1;
    while let Some(op) = input.byte() {
        match op % 13 {
            0 | 1 => {
                version += 1;
                let range = input.range();
                let text = input.text(64);
                let change = if op % 13 == 0 {
                    json!({"range": range, "text": text})
                } else {
                    json!({"text": text})
                };
                frame(&mut out, &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": URI, "version": version}, "contentChanges": [change]}}));
            }
            2 => {
                let range = input.range();
                let only = match input.byte().unwrap_or(0) % 4 {
                    0 => Value::Null,
                    1 => json!(["quickfix"]),
                    2 => json!(["source.fixAll.rdock"]),
                    _ => json!(["refactor"]),
                };
                request(&mut out, "textDocument/codeAction", json!({
                    "textDocument": doc, "range": range,
                    "context": {"diagnostics": [], "only": only}}));
            }
            3 => request(&mut out, "textDocument/hover", json!({"textDocument": doc, "position": input.pos()})),
            4 => request(&mut out, "textDocument/completion", json!({"textDocument": doc, "position": input.pos()})),
            5 => request(&mut out, "textDocument/definition", json!({"textDocument": doc, "position": input.pos()})),
            6 => request(&mut out, "textDocument/references", json!({
                "textDocument": doc, "position": input.pos(), "context": {"includeDeclaration": true}})),
            7 => {
                let name = input.text(16);
                request(&mut out, "textDocument/rename", json!({
                    "textDocument": doc, "position": input.pos(), "newName": name}));
            }
            8 => request(&mut out, "textDocument/diagnostic", json!({"textDocument": doc})),
            9 => {
                let method = ["textDocument/documentSymbol", "textDocument/foldingRange", "textDocument/codeLens"]
                    [usize::from(input.byte().unwrap_or(0) % 3)];
                request(&mut out, method, json!({"textDocument": doc}));
            }
            10 => request(&mut out, "textDocument/prepareRename", json!({"textDocument": doc, "position": input.pos()})),
            11 => {
                // A raw frame: whatever the input holds, as a message body.
                // Not `exit`, which ends the server, rightly, before it answers.
                let body = input.text(64).replace("exit", "exi");
                out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                out.extend_from_slice(body.as_bytes());
            }
            _ => {
                let settings = json!({"target": input.text(8), "ignore": [input.text(6)]});
                frame(&mut out, &json!({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
                    "params": {"settings": settings}}));
            }
        }
    }
    (out, ids)
}

/// The ids of the responses in the complete messages of `output`.
fn responses(output: &[u8]) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut rest = output;
    while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let header = std::str::from_utf8(&rest[..end]).expect("headers are ASCII");
        let len: usize = header
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|v| v.trim().parse().ok())
            .expect("a Content-Length header");
        let Some(body) = rest.get(end + 4..end + 4 + len) else {
            break;
        };
        let msg: Value = serde_json::from_slice(body).expect("the server writes JSON");
        if msg.get("method").is_none() {
            if let Some(id) = msg.get("id").and_then(Value::as_i64) {
                ids.push(id);
            }
        }
        rest = &rest[end + 4 + len..];
    }
    ids
}

fuzz_target!(|data: &[u8]| {
    let (input, ids) = messages(data);
    let wanted = ids.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let answered = runtime.block_on(async move {
        let (mut client, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, mut from_server) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(rdock::lsp::serve(server_in, server_out));
        let writer = tokio::spawn(async move {
            client.write_all(&input).await.expect("the server reads its input");
            client
        });
        // Read until every request has its response, then shut down.
        let mut output = Vec::new();
        let mut buf = vec![0; 1 << 16];
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        let answered = loop {
            let answered: BTreeSet<i64> = responses(&output).into_iter().collect();
            if ids.is_subset(&answered) {
                break answered;
            }
            match tokio::time::timeout_at(deadline, from_server.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => output.extend_from_slice(&buf[..n]),
                other => panic!(
                    "the server stopped answering ({other:?}); unanswered: {:?}",
                    ids.difference(&answered).collect::<Vec<_>>()
                ),
            }
        };
        let all = responses(&output);
        let mut client = writer.await.expect("the writer");
        let mut end = Vec::new();
        frame(&mut end, &json!({"jsonrpc": "2.0", "id": 0, "method": "shutdown"}));
        frame(&mut end, &json!({"jsonrpc": "2.0", "method": "exit"}));
        client.write_all(&end).await.expect("the server reads its input");
        let reader = tokio::spawn(async move {
            let mut rest = Vec::new();
            let _ = from_server.read_to_end(&mut rest).await;
        });
        let served = tokio::time::timeout(std::time::Duration::from_secs(20), server).await;
        assert!(matches!(served, Ok(Ok(()))), "the server did not exit: {served:?}");
        drop(client);
        let _ = reader.await;
        // A raw frame may reuse one of our ids: more responses, never fewer.
        assert!(all.len() >= answered.len());
        answered
    });
    runtime.shutdown_background();
    assert!(wanted.is_subset(&answered));
});
