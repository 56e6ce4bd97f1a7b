//! Framing in front of tower-lsp: each incoming message is checked before
//! the server sees it. tower-lsp stops reading after a message it cannot
//! decode, so a malformed message is replaced by a call to
//! `rdock/malformedMessage`, which answers with the JSON-RPC error (parse
//! error, or invalid request) while the server goes on.

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
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

/// Copy framed messages from `input` to `output`, screening each body.
pub async fn pump(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut r = BufReader::new(input);
    loop {
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
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
        let body = match length {
            Some(n) if n <= 512 * 1024 * 1024 => {
                let mut buf = vec![0; n];
                if r.read_exact(&mut buf).await.is_err() {
                    return;
                }
                screen(&buf)
            }
            _ => screen(b"missing or invalid Content-Length header"),
        };
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
            || output.flush().await.is_err()
        {
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
}
