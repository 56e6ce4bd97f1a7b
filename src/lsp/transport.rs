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

/// The notification a request for [`DIRECT`] methods becomes: rdock answers
/// it itself, serializing the typed result straight to bytes on the
/// [`Outbox`]. tower-lsp turns every result into a `serde_json::Value`
/// tree first and keeps its write buffer as large as the largest answer:
/// the outline of a 50,000-line file took the server from 80 to 190 MB
/// that way, and 9 MB of it stayed after the file was closed.
pub const DIRECT_METHOD: &str = "rdock/direct";

/// The requests whose answers grow with the document. Code actions and
/// pulled diagnostics stay with tower-lsp: editors cancel them as the
/// cursor moves or the text changes, and a `$/cancelRequest` reaches only
/// the requests tower-lsp knows (a direct one runs to its end and is
/// answered).
pub const DIRECT: &[&str] = &[
    "textDocument/documentSymbol",
    "textDocument/semanticTokens/full",
    "textDocument/formatting",
    "textDocument/rangeFormatting",
    "textDocument/foldingRange",
    "textDocument/codeLens",
    "workspace/symbol",
];

/// The notification a large `didOpen`/`didChange`/`didSave` becomes: its
/// body is kept aside ([`take_large`]) and only this stand-in goes through
/// tower-lsp, whose read buffer otherwise grows to the largest message and
/// stays that large (a 50,000-line file opened: 3 MB more for the rest of
/// the session; an 8 MB message: 8 MB).
pub const LARGE_METHOD: &str = "rdock/large";

/// Notifications at least this large are kept aside.
const LARGE_BYTES: usize = 64 * 1024;

/// The notifications that may be large: the whole text of a document.
const LARGE: &[&str] = &[
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didSave",
];

/// The most written at once to the client (and read at once from it, by
/// `lsp::run`'s reader). tokio's stdout hands each write to a blocking
/// thread through a buffer that grows to the size of the write (up to
/// 2 MiB) and never shrinks: the outline of a 50,000-line file left 2 MB
/// allocated for the rest of the session. In pieces of this size, a large
/// message costs a few more hand-overs and the buffer stays this small.
pub(crate) const IO_CHUNK: usize = 64 * 1024;

/// The bodies kept aside, by the number their stand-in carries.
static KEPT: Mutex<Vec<(u64, String, Value)>> = Mutex::new(Vec::new());

/// The params of [`LARGE_METHOD`].
#[derive(Debug, Deserialize)]
pub struct Large {
    pub slot: u64,
}

/// The method and params of the notification kept as `slot`.
pub fn take_large(slot: u64) -> Option<(String, Value)> {
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    let at = kept.iter().position(|(n, _, _)| *n == slot)?;
    let (_, method, params) = kept.swap_remove(at);
    Some((method, params))
}

/// Keep `params` of `method` aside; the stand-in's body.
fn keep_large(method: &str, params: Value) -> Vec<u8> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let slot = NEXT.fetch_add(1, Ordering::Relaxed);
    KEPT.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((slot, method.to_string(), params));
    json!({"jsonrpc": "2.0", "method": LARGE_METHOD, "params": {"slot": slot}})
        .to_string()
        .into_bytes()
}

/// The params of [`DIRECT_METHOD`]: the request as the client sent it.
#[derive(Debug, Deserialize)]
pub struct Direct {
    pub id: Value,
    pub method: String,
    #[serde(default)]
    pub params: Value,
}

/// A JSON-RPC response's body.
pub fn response<R: Serialize>(id: &Value, result: &Result<R>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Response<'a, R> {
        jsonrpc: &'static str,
        id: &'a Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<&'a R>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<&'a Error>,
    }
    let (result, error) = match result {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    serde_json::to_vec(&Response {
        jsonrpc: "2.0",
        id,
        result,
        error,
    })
    .expect("LSP types serialize to JSON")
}

/// Whether the requests of [`DIRECT`] are answered directly, and large
/// notifications kept aside: once tower-lsp has *answered* `initialize`
/// and before `shutdown`. Otherwise tower-lsp gets them as they are and
/// answers with its errors, which a notification cannot: a request sent
/// right behind `initialize` (the fuzzer's client does it) went unanswered
/// as a notification tower-lsp drops before it is initialized.
#[derive(Default)]
pub struct Phase {
    initialized: bool,
    shut_down: bool,
    /// Set by [`collect`] when tower-lsp's answer to `initialize` passes.
    answered: Arc<std::sync::atomic::AtomicBool>,
}

impl Phase {
    /// Follow `method`; whether a request for it is answered directly.
    fn direct(&mut self, method: &str) -> bool {
        match method {
            "initialize" => self.initialized = true,
            "shutdown" => self.shut_down = true,
            _ => return self.ready() && DIRECT.contains(&method),
        }
        false
    }

    fn ready(&self) -> bool {
        self.initialized
            && !self.shut_down
            && self.answered.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The flag [`collect`] sets when `initialize` is answered.
    pub fn answered(&self) -> Arc<std::sync::atomic::AtomicBool> {
        Arc::clone(&self.answered)
    }
}

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
    screen_in(body, &mut Phase::default())
}

/// [`screen`], turning requests for [`DIRECT`] methods into [`DIRECT_METHOD`]
/// notifications once `phase` allows.
fn screen_in(body: &[u8], phase: &mut Phase) -> Vec<u8> {
    let replacement = |id: Value, invalid_request: bool, detail: String| {
        json!({"jsonrpc": "2.0", "id": id, "method": MALFORMED_METHOD,
               "params": {"invalid_request": invalid_request, "detail": detail}})
        .to_string()
        .into_bytes()
    };
    let repaired;
    let mut body = body;
    let parsed = match serde_json::from_slice::<Value>(body) {
        Err(e) => match without_lone_surrogates(body) {
            Some(b) => {
                repaired = b;
                body = &repaired[..];
                serde_json::from_slice::<Value>(body).map_err(|_| e)
            }
            None => Err(e),
        },
        ok => ok,
    };
    match parsed {
        Err(e) => replacement(Value::Null, false, e.to_string()),
        Ok(mut v) => {
            let ok = v.is_object()
                && v.get("jsonrpc") == Some(&json!("2.0"))
                && (v.get("method").is_some_and(Value::is_string)
                    || v.get("result").is_some()
                    || v.get("error").is_some())
                && v.get("id")
                    .is_none_or(|id| id.is_string() || id.is_i64() || id.is_u64() || id.is_null());
            if ok {
                let method = v.get("method").and_then(Value::as_str);
                match (v.get("id"), method) {
                    (None, Some(m))
                        if phase.ready() && body.len() >= LARGE_BYTES && LARGE.contains(&m) =>
                    {
                        let m = m.to_string();
                        keep_large(&m, v["params"].take())
                    }
                    (Some(id), Some(m)) if phase.direct(m) => json!({
                        "jsonrpc": "2.0", "method": DIRECT_METHOD,
                        "params": {"id": id, "method": m, "params": v.get("params")}})
                    .to_string()
                    .into_bytes(),
                    _ => body.to_vec(),
                }
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

/// `body` with every `\\uD800`-`\\uDFFF` escape that is not half of a pair
/// replaced by `\\uFFFD`, or `None` when it has none. JavaScript strings
/// may hold lone surrogates and clients send them as such; serde_json
/// refuses them, and dropping the whole edit would leave the server's copy
/// of the document different from the editor's.
fn without_lone_surrogates(body: &[u8]) -> Option<Vec<u8>> {
    let hex = |at: usize| -> Option<u16> {
        let h = body.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    let escape_at = |at: usize| -> Option<u16> {
        (body.get(at) == Some(&b'\\') && body.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut out = Vec::with_capacity(body.len());
    let mut changed = false;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        match escape_at(i) {
            Some(u @ 0xD800..=0xDBFF) if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                let _ = u;
                out.extend_from_slice(&body[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.extend_from_slice(b"\\ufffd");
                changed = true;
                i += 6;
            }
            _ => {
                // Any other escape: copy it whole (`\\\\` must not start one).
                let end = (i + 2).min(body.len());
                out.extend_from_slice(&body[i..end]);
                i = end;
            }
        }
    }
    changed.then_some(out)
}

/// One framed message from `r`: `None` at the end of the stream, `Err` when
/// the headers give no usable `Content-Length`. A header line that holds
/// `Content-Length:` after other bytes (the end of a body whose length was
/// given too short) is read from there: framing recovers at the next header.
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
        let mut line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        if let Some(at) = header_start(line.as_bytes()).filter(|&at| at > 0) {
            // Leftover bytes of a body, then the next message's header.
            line = &line[at..];
            length = None;
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

/// Where a `Content-Length:` header starts in `bytes` (any case).
fn header_start(bytes: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"content-length:";
    bytes
        .windows(NAME.len())
        .position(|w| w.eq_ignore_ascii_case(NAME))
}

/// A body that is not JSON but holds the next message's header (its
/// `Content-Length` was too long): the bytes before the header, and the
/// rest, to be read again as frames.
fn split_overlong(body: &[u8]) -> Option<(&[u8], &[u8])> {
    // The scan for a header first: the JSON check (a second parse of the
    // body, which `screen` parses anyway) only for the rare body holding one.
    let at = header_start(body).filter(|&at| at > 0)?;
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return None;
    }
    Some((&body[..at], &body[at..]))
}

async fn write_frame(output: &mut (impl AsyncWrite + Unpin), body: &[u8]) -> bool {
    // One write for most messages: with tokio's stdout each write is a
    // hand-over to a thread. Large ones in pieces (`IO_CHUNK`).
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    for piece in frame.chunks(IO_CHUNK) {
        if output.write_all(piece).await.is_err() {
            return false;
        }
    }
    output.flush().await.is_ok()
}

/// Copy framed messages from `input` to `output`, screening each body. A
/// wrong `Content-Length` costs one parse error, not the session: the
/// framing recovers at the next header (see [`read_frame`], [`split_overlong`]).
pub async fn pump(
    input: impl AsyncRead + Unpin + Send + 'static,
    mut output: impl AsyncWrite + Unpin,
    mut phase: Phase,
) {
    let mut r: std::pin::Pin<Box<dyn AsyncBufRead + Send>> = Box::pin(BufReader::new(input));
    while let Some(frame) = read_frame(&mut r).await {
        let body = match frame {
            Ok(body) => match split_overlong(&body) {
                Some((head, rest)) => {
                    // Read the rest again, before what is still to come.
                    let rest = std::io::Cursor::new(rest.to_vec());
                    let head = screen_in(head, &mut phase);
                    r = Box::pin(BufReader::new(rest.chain(r)));
                    head
                }
                None => screen_in(&body, &mut phase),
            },
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
pub async fn collect(
    input: impl AsyncRead + Unpin,
    outbox: Outbox,
    answered: Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::Ordering;
    let mut r = BufReader::new(input);
    while let Some(Ok(body)) = read_frame(&mut r).await {
        // tower-lsp's first answer with capabilities is to `initialize`.
        if !answered.load(Ordering::SeqCst)
            && serde_json::from_slice::<Value>(&body).is_ok_and(|v| {
                v.get("result")
                    .is_some_and(|r| r.get("capabilities").is_some())
            })
        {
            answered.store(true, Ordering::SeqCst);
        }
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
    fn lone_surrogates_become_the_replacement_character() {
        let body =
            br#"{"jsonrpc":"2.0","method":"x","params":{"t":"a\ud800b\ud83d\ude00c\\ud800"}}"#;
        let fixed = screen(body);
        let v: Value = serde_json::from_slice(&fixed).unwrap();
        assert_eq!(v["params"]["t"], "a\u{fffd}b\u{1f600}c\\ud800");
    }

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

    /// After `initialize`, requests that grow with the document become
    /// `rdock/direct` and large text notifications `rdock/large`; before it
    /// and after `shutdown` they go to tower-lsp as they are.
    #[test]
    fn direct_and_large_messages_after_initialize_only() {
        let mut phase = Phase::default();
        let outline =
            br#"{"jsonrpc":"2.0","id":7,"method":"textDocument/documentSymbol","params":{}}"#;
        assert_eq!(screen_in(outline, &mut phase), outline.to_vec());
        let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
        assert_eq!(screen_in(init, &mut phase), init.to_vec());
        // Sent before tower-lsp answered `initialize`: as it is, so that
        // tower-lsp answers it (with its error).
        assert_eq!(screen_in(outline, &mut phase), outline.to_vec());
        phase
            .answered()
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let v: Value = serde_json::from_slice(&screen_in(outline, &mut phase)).unwrap();
        assert_eq!(v["method"], DIRECT_METHOD);
        assert_eq!(v["params"]["id"], 7);
        assert_eq!(v["params"]["method"], "textDocument/documentSymbol");
        let text = "x".repeat(LARGE_BYTES);
        let open = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                          "params": {"textDocument": {"text": text}}})
        .to_string();
        let v: Value = serde_json::from_slice(&screen_in(open.as_bytes(), &mut phase)).unwrap();
        assert_eq!(v["method"], LARGE_METHOD);
        let slot = v["params"]["slot"].as_u64().unwrap();
        let (method, params) = take_large(slot).unwrap();
        assert_eq!(method, "textDocument/didOpen");
        assert_eq!(params["textDocument"]["text"], text.as_str());
        assert!(take_large(slot).is_none());
        let shutdown = br#"{"jsonrpc":"2.0","id":9,"method":"shutdown"}"#;
        screen_in(shutdown, &mut phase);
        assert_eq!(screen_in(outline, &mut phase), outline.to_vec());
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
            let answered = Arc::default();
            tokio::join!(
                collect(tower, outbox.clone(), answered),
                write(outbox, &mut out)
            );
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

    /// An output that records the largest write asked of it.
    #[derive(Default)]
    struct Recording {
        output: Vec<u8>,
        largest: usize,
    }

    impl AsyncWrite for Recording {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.largest = self.largest.max(buf.len());
            self.output.extend_from_slice(buf);
            std::task::Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    /// A 1 MB message goes out in writes of `IO_CHUNK` at most: tokio's
    /// stdout keeps a buffer as large as its largest write for the rest of
    /// the session.
    #[test]
    fn large_messages_are_written_in_pieces() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let body = vec![b'x'; 1 << 20];
        let mut out = Recording::default();
        assert!(rt.block_on(write_frame(&mut out, &body)));
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend_from_slice(&body);
        assert_eq!(out.output, framed);
        assert!(out.largest <= IO_CHUNK, "a write of {}", out.largest);
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
