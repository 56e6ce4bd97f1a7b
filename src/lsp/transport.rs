//! Framing in front of tower-lsp: each incoming message is checked before
//! the server sees it. tower-lsp stops reading after a message it cannot
//! decode, so a malformed message is replaced by a call to
//! `rdock/malformedMessage`, which answers with the JSON-RPC error (parse
//! error, or invalid request) while the server goes on.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Error, Result};

pub const MALFORMED_METHOD: &str = "rdock/malformedMessage";

#[derive(Debug, Deserialize)]
pub struct Malformed {
    pub invalid_request: bool,
    pub detail: String,
}

/// The answer to a replaced message.
pub fn malformed_error(m: &Malformed) -> Result<Value> {
    let mut e = if m.invalid_request {
        Error::invalid_request()
    } else {
        Error::parse_error()
    };
    e.message = format!("{}: {}", e.message, m.detail).into();
    Err(e)
}

/// What to forward for one message body.
pub fn screen(body: &[u8]) -> Vec<u8> {
    let replacement = |id: Value, invalid_request: bool, detail: String| {
        json!({"jsonrpc": "2.0", "id": id, "method": MALFORMED_METHOD,
               "params": {"invalid_request": invalid_request, "detail": detail}})
        .to_string()
        .into_bytes()
    };
    match serde_json::from_slice::<Value>(body) {
        Err(e) => replacement(Value::Null, false, e.to_string()),
        Ok(v) => {
            let ok = v.is_object()
                && v.get("jsonrpc") == Some(&json!("2.0"))
                && (v.get("method").is_some_and(Value::is_string)
                    || v.get("result").is_some()
                    || v.get("error").is_some())
                && v.get("id")
                    .is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64() || id.is_null());
            if ok {
                body.to_vec()
            } else {
                let id = v
                    .get("id")
                    .filter(|i| i.is_string() || i.is_number())
                    .cloned();
                replacement(
                    id.unwrap_or(Value::Null),
                    true,
                    "not a JSON-RPC 2.0 request, notification or response".into(),
                )
            }
        }
    }
}

/// One framed message from `r`: `None` at the end of the stream, `Err` when
/// the headers give no usable `Content-Length`.
async fn read_frame(
    r: &mut (impl AsyncBufRead + Unpin),
) -> Option<std::result::Result<Vec<u8>, ()>> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok();
            }
        }
    }
    match length {
        Some(n) if n <= 512 * 1024 * 1024 => {
            let mut buf = vec![0; n];
            r.read_exact(&mut buf).await.ok()?;
            Some(Ok(buf))
        }
        _ => Some(Err(())),
    }
}

async fn write_frame(output: &mut (impl AsyncWrite + Unpin), body: &[u8]) -> bool {
    // One write: with tokio's stdout each write is a hand-over to a thread.
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    output.write_all(&frame).await.is_ok() && output.flush().await.is_ok()
}

/// Copy framed messages from `input` to `output`, screening each body.
pub async fn pump(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut r = BufReader::new(input);
    while let Some(frame) = read_frame(&mut r).await {
        let body = match frame {
            Ok(body) => screen(&body),
            Err(()) => screen(b"missing or invalid Content-Length header"),
        };
        if !write_frame(&mut output, &body).await {
            return;
        }
    }
}

/// The one way out to the client: message bodies, written in the order they
/// are queued. tower-lsp's output is re-framed into it ([`collect`]), and
/// rdock queues the notifications it serializes itself: diagnostics go
/// straight from their types to bytes, without the `serde_json::Value` tree
/// that tower-lsp's `Client` builds first (a third of the time of an edit on
/// a 5,000-line file went there), and queueing is synchronous, so it can
/// happen under the lock that decides whether a result is still current.
///
/// A document's diagnostics replace those of the same document still
/// waiting in the queue: a client that reads slowly gets the newest result,
/// and the queue holds at most one result per document however long it
/// does not read.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Shared>);

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Notify,
}

#[derive(Default)]
struct Queue {
    /// (the document, for diagnostics; the body)
    items: VecDeque<(Option<String>, Vec<u8>)>,
    /// tower-lsp's output has ended: write what is queued, then stop.
    closed: bool,
}

impl Outbox {
    pub fn new() -> Outbox {
        Outbox::default()
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.0.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a serialized message ([`notification`]).
    pub fn push(&self, body: Vec<u8>) {
        self.queue().items.push_back((None, body));
        self.0.ready.notify_one();
    }

    /// Queue the diagnostics of document `uri`, in place of any of its
    /// diagnostics not written yet.
    pub fn push_diagnostics(&self, uri: &str, body: Vec<u8>) {
        let mut q = self.queue();
        match q.items.iter_mut().find(|(k, _)| k.as_deref() == Some(uri)) {
            Some((_, old)) => *old = body,
            None => q.items.push_back((Some(uri.to_owned()), body)),
        }
        drop(q);
        self.0.ready.notify_one();
    }

    fn close(&self) {
        self.queue().closed = true;
        self.0.ready.notify_one();
    }

    /// The next body; `None` once closed and empty.
    async fn pop(&self) -> Option<Vec<u8>> {
        loop {
            {
                let mut q = self.queue();
                if let Some((_, body)) = q.items.pop_front() {
                    return Some(body);
                }
                if q.closed {
                    return None;
                }
            }
            // A push between the check and here leaves a permit: no lost wake-up.
            self.0.ready.notified().await;
        }
    }
}

/// A JSON-RPC notification's body.
pub fn notification(method: &str, params: &impl Serialize) -> Vec<u8> {
    #[derive(Serialize)]
    struct Notification<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    serde_json::to_vec(&Notification {
        jsonrpc: "2.0",
        method,
        params,
    })
    .expect("LSP types serialize to JSON")
}

/// Queue each message framed on `input` (tower-lsp's output); at its end,
/// close the outbox, so that [`write`] stops once the queue is empty.
pub async fn collect(input: impl AsyncRead + Unpin, outbox: Outbox) {
    let mut r = BufReader::new(input);
    while let Some(Ok(body)) = read_frame(&mut r).await {
        outbox.push(body);
    }
    outbox.close();
}

/// Write the queued bodies to `output`, framed, until the outbox is closed
/// and empty.
pub async fn write(outbox: Outbox, mut output: impl AsyncWrite + Unpin) {
    while let Some(body) = outbox.pop().await {
        if !write_frame(&mut output, &body).await {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_bad_messages() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        assert_eq!(screen(ok), ok.to_vec());
        let bad: Value = serde_json::from_slice(&screen(b"{\"jsonrpc\": ")).unwrap();
        assert_eq!(bad["method"], MALFORMED_METHOD);
        assert_eq!(bad["params"]["invalid_request"], false);
        let bad: Value = serde_json::from_slice(&screen(br#"{"id": 3, "foo": 1}"#)).unwrap();
        assert_eq!(bad["id"], 3);
        assert_eq!(bad["params"]["invalid_request"], true);
    }

    /// The outbox writes tower-lsp's frames and rdock's own in queue order,
    /// each framed once, and stops at the end of tower-lsp's output.
    #[test]
    fn outbox_frames_everything_in_order() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(async {
            let outbox = Outbox::new();
            outbox.push(notification("a", &json!({"n": 1})));
            let tower = b"Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull".as_slice();
            let mut out = Vec::new();
            let late = outbox.clone();
            tokio::join!(collect(tower, outbox.clone()), write(outbox, &mut out));
            // After the end: dropped, not written.
            late.push(b"{}".to_vec());
            out
        });
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Length: 47\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"params\":{\"n\":1}}\
             Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull"
        );
    }

    /// A document's newer diagnostics take the place of its older ones still
    /// queued; everything else keeps its order.
    #[test]
    fn queued_diagnostics_are_replaced_by_newer_ones() {
        let outbox = Outbox::new();
        outbox.push_diagnostics("file:///a", b"a1".to_vec());
        outbox.push(b"r".to_vec());
        outbox.push_diagnostics("file:///b", b"b1".to_vec());
        outbox.push_diagnostics("file:///a", b"a2".to_vec());
        outbox.close();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut out = Vec::new();
        rt.block_on(write(outbox, &mut out));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Content-Length: 2\r\n\r\na2Content-Length: 1\r\n\r\nr\
             Content-Length: 2\r\n\r\nb1"
        );
    }
}
