//! `rdock lsp` over JSON-RPC, the requests added for issue 16's last part:
//! formatting and range formatting, semantic tokens, work-done progress,
//! workspace symbols over files that are not open, and the answers rdock
//! serializes itself (`transport::DIRECT`), ids and errors included.

use crate::common;

use common::lsp_client::{apply_edits, file_uri, Client};
use serde_json::{json, Value};

fn pull_caps() -> Value {
    json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}})
}

const MESSY: &str = "from alpine:3.19 AS build  \nrun  apk add curl \\\n        && echo \"a  \\\n   b\" \\\n  && true\nRUN make \\\n  && make install\n\tcopy --from=build /x /y\n";

#[test]
fn formatting_follows_the_files_style_and_keeps_its_meaning() {
    let (mut c, init) = Client::start(pull_caps(), json!({"noConfig": true}));
    let caps = &init["capabilities"];
    assert_eq!(caps["documentFormattingProvider"], json!(true), "{caps}");
    assert_eq!(
        caps["documentRangeFormattingProvider"],
        json!(true),
        "{caps}"
    );
    let uri = "file:///nonexistent/fmt/Dockerfile";
    c.open(uri, MESSY);
    let opts = json!({"tabSize": 4, "insertSpaces": true});
    let edits = c
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": opts}),
        )
        .unwrap();
    let out = apply_edits(MESSY, edits.as_array().unwrap());
    // Lower case keywords (3 of 4), two-space continuation lines (2 of 3),
    // the quoted continuation left as written, no trailing spaces.
    assert_eq!(
        out,
        "from alpine:3.19 AS build\nrun apk add curl \\\n  && echo \"a  \\\n   b\" \\\n  && true\nrun make \\\n  && make install\ncopy --from=build /x /y\n"
    );
    // Formatting the result changes nothing.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": out}]}),
    );
    let again = c
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": opts}),
        )
        .unwrap();
    assert_eq!(again, json!([]));
    // Range formatting of line 5 (`RUN make`) only: its keyword.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3},
               "contentChanges": [{"text": MESSY}]}),
    );
    let edits = c
        .request(
            "textDocument/rangeFormatting",
            json!({"textDocument": {"uri": uri}, "options": opts,
                   "range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 3}}}),
        )
        .unwrap();
    assert_eq!(
        edits,
        json!([{"range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 3}}, "newText": "run"}])
    );
    c.shutdown();
}

/// Decode `data` into `(line, column, length, type name, modifiers)`.
fn decode(data: &[Value], legend: &[Value]) -> Vec<(u64, u64, u64, String, u64)> {
    let mut out = Vec::new();
    let (mut line, mut col) = (0, 0);
    for t in data.chunks(5) {
        let n = |i: usize| t[i].as_u64().unwrap();
        if n(0) > 0 {
            col = 0;
        }
        line += n(0);
        col += n(1);
        let kind = legend[n(3) as usize].as_str().unwrap().to_string();
        out.push((line, col, n(2), kind, n(4)));
    }
    out
}

#[test]
fn semantic_tokens_name_keywords_flags_variables_stages_comments_strings() {
    let (mut c, init) = Client::start(pull_caps(), json!({"noConfig": true}));
    let provider = &init["capabilities"]["semanticTokensProvider"];
    assert_eq!(provider["full"], json!(true), "{provider}");
    let legend = provider["legend"]["tokenTypes"].as_array().unwrap().clone();
    let text = "# syntax=docker/dockerfile:1\nARG V=1\n# build it\nFROM alpine:$V AS build\nRUN --mount=type=cache,target=/c echo \"v=${V}\"\nCOPY --from=build /a /b\n";
    let uri = "file:///nonexistent/tokens/Dockerfile";
    c.open(uri, text);
    let r = c
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let got = decode(r["data"].as_array().unwrap(), &legend);
    let has = |line: u64, col: u64, len: u64, kind: &str| {
        got.iter()
            .any(|t| t.0 == line && t.1 == col && t.2 == len && t.3 == kind)
    };
    assert!(has(0, 0, 28, "macro"), "directive: {got:?}");
    assert!(has(1, 0, 3, "keyword"), "{got:?}");
    assert!(has(1, 4, 1, "variable"), "ARG V declared: {got:?}");
    assert!(has(2, 0, 10, "comment"), "{got:?}");
    assert!(has(3, 12, 2, "variable"), "$V: {got:?}");
    assert!(has(3, 18, 5, "namespace"), "stage name: {got:?}");
    assert!(has(4, 4, 7, "parameter"), "--mount: {got:?}");
    // The string is cut around the variable inside it.
    assert!(has(4, 38, 3, "string"), "{got:?}");
    assert!(has(4, 41, 4, "variable"), "${{V}}: {got:?}");
    assert!(has(4, 45, 1, "string"), "{got:?}");
    assert!(has(5, 12, 5, "namespace"), "--from=build: {got:?}");
    // No two tokens overlap.
    for w in got.windows(2) {
        assert!(
            w[0].0 < w[1].0 || w[0].1 + w[0].2 <= w[1].1,
            "overlap: {w:?}"
        );
    }
    c.shutdown();
}

#[test]
fn a_large_documents_first_analysis_reports_progress() {
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut c, _) = Client::start(caps, json!({"noConfig": true}));
    let mut text = String::from("FROM alpine:3.19 AS base\n");
    let long = "x".repeat(400);
    while text.len() < 300 * 1024 {
        text.push_str(&format!("LABEL note=\"{long}\"\n"));
    }
    let uri = "file:///nonexistent/progress/Dockerfile";
    c.open(uri, &text);
    let create = c.wait_for(|m| m["method"] == "window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    let begin =
        c.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["token"], token);
    assert!(begin["params"]["value"]["message"]
        .as_str()
        .unwrap()
        .contains("Dockerfile"));
    c.diagnostics(uri);
    let end = c.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    assert_eq!(end["params"]["token"], token);
    // Large messages are kept out of tower-lsp's buffers (transport::LARGE):
    // a whole-text change still lands, in order with a small one after it.
    let changed = text.replacen("FROM alpine:3.19 AS base", "FROM alpine:3.19 as base", 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": changed}]}),
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 4}}, "text": "from"}]}),
    );
    let d = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["version"] == 3
    });
    // `from alpine:3.19 as base`: the keyword case rule does not fire, the
    // `as` one (RD108) does not either (both lower case).
    let codes: Vec<&str> = d["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["code"].as_str())
        .collect();
    assert!(!codes.contains(&"RD108"), "{codes:?}");
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    assert_eq!(
        symbols[0]["selectionRange"]["start"]["line"], 0,
        "{}",
        symbols[0]
    );
    assert_eq!(symbols[0]["name"], "base");
    // A small document reports none.
    c.open(
        "file:///nonexistent/progress/small/Dockerfile",
        "FROM alpine:3.19\n",
    );
    c.diagnostics("file:///nonexistent/progress/small/Dockerfile");
    assert!(c
        .try_wait_for(std::time::Duration::from_millis(500), |m| m["method"]
            == "window/workDoneProgress/create")
        .is_none());
    c.shutdown();
}

#[test]
fn workspace_symbols_include_dockerfiles_that_are_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path();
    std::fs::create_dir_all(w.join("api")).unwrap();
    std::fs::create_dir_all(w.join("web")).unwrap();
    std::fs::create_dir_all(w.join("ignored")).unwrap();
    std::fs::write(w.join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(
        w.join("api/Dockerfile"),
        "FROM alpine:3 AS api-build\nFROM alpine:3 AS api-run\n",
    )
    .unwrap();
    std::fs::write(w.join("web/web.dockerfile"), "FROM node:22 AS web-build\n").unwrap();
    std::fs::write(w.join("web/Dockerfile.md"), "FROM x AS not-a-dockerfile\n").unwrap();
    std::fs::write(w.join("ignored/Dockerfile"), "FROM x AS ignored-build\n").unwrap();
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": pull_caps(),
               "workspaceFolders": [{"uri": file_uri(w), "name": "w"}],
               "initializationOptions": {"noConfig": true}}),
    )
    .unwrap();
    c.notify("initialized", json!({}));
    // The open copy of api/Dockerfile wins over the disk's.
    let api = file_uri(&w.join("api/Dockerfile"));
    c.open(&api, "FROM alpine:3 AS api-edited\n");
    let r = c
        .request("workspace/symbol", json!({"query": "build"}))
        .unwrap();
    let names: Vec<(&str, &str)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["location"]["uri"].as_str().unwrap(),
            )
        })
        .collect();
    let web = file_uri(&w.join("web/web.dockerfile"));
    assert_eq!(names, vec![("web-build", web.as_str())], "{r}");
    let r = c
        .request("workspace/symbol", json!({"query": "api"}))
        .unwrap();
    let names: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["api-edited"], "{r}");
    c.shutdown();
}

/// The requests rdock answers itself keep JSON-RPC's rules: the id as
/// sent (a string too), an error for bad params, and tower-lsp's answers
/// before `initialize`.
#[test]
fn directly_answered_requests_keep_ids_and_errors() {
    let mut c = Client::spawn();
    c.send(
        &json!({"jsonrpc": "2.0", "id": "early", "method": "textDocument/documentSymbol",
                   "params": {"textDocument": {"uri": "file:///x/Dockerfile"}}}),
    );
    let early = c.wait_for(|m| m["id"] == "early");
    assert_eq!(early["error"]["code"], -32002, "not initialized: {early}");
    c.initialize(pull_caps(), json!({"noConfig": true}));
    let uri = "file:///nonexistent/direct/Dockerfile";
    c.open(uri, "FROM alpine:3.19 AS a\nRUN true\n");
    c.send(
        &json!({"jsonrpc": "2.0", "id": "s-1", "method": "textDocument/documentSymbol",
                   "params": {"textDocument": {"uri": uri}}}),
    );
    let r = c.wait_for(|m| m["id"] == "s-1");
    assert_eq!(r["result"][0]["name"], "a", "{r}");
    c.send(
        &json!({"jsonrpc": "2.0", "id": 77, "method": "textDocument/documentSymbol",
                   "params": {"textDocument": 3}}),
    );
    let r = c.wait_for(|m| m["id"] == 77);
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // A document that is not open: no symbols.
    let r = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": "file:///not/open"}}),
        )
        .unwrap();
    assert_eq!(r, Value::Null);
    c.shutdown();
}
