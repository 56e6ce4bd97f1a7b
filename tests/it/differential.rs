//! rdock's parser against BuildKit's own (PyPI `dockerfile`, BuildKit v0.12.5)
//! over the shared corpus and our tricky fixtures: instruction keywords,
//! start and end lines, flags, arguments and heredocs must agree.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use rdock::line_index::LineIndex;
use rdock::syntax::{self, Args, Instruction, Kind};
use serde_json::{json, Value};

/// Disagreements we understand, by file name, with the reason.
/// Everything else fails the test.
const EXPLAINED: &[(&str, &str)] = &[];

/// The instruction as the Python wrapper of BuildKit's parser shows it.
/// `first_line` is where the logical line began (a line holding only `\\`
/// can start it before the keyword).
fn view(inst: &Instruction, first_line: usize, idx: &LineIndex, text: &str) -> Value {
    let (sub_cmd, inner) = match &inst.args {
        Args::Onbuild(sub) => (Some(sub.keyword.text.clone()), sub.as_ref()),
        _ => (None, inst),
    };
    json!({
        "cmd": inst.keyword.text.to_ascii_uppercase(),
        "sub_cmd": sub_cmd.map(|s| s.to_ascii_uppercase()),
        "json": inner.is_exec_form(),
        "start_line": first_line,
        "end_line": idx.line_col(text, inst.span.end).line,
        "flags": inst.flags.iter().map(|f| f.unquoted()).collect::<Vec<_>>(),
        "value": values(inner),
        // The wrapper shows no heredocs for ONBUILD triggers, though BuildKit
        // reads their bodies (the end lines agree); rdock keeps them on the trigger.
        "heredocs": inst.heredocs.iter().map(|h| json!({"name": h.name, "content": h.content})).collect::<Vec<_>>(),
    })
}

fn values(inst: &Instruction) -> Vec<String> {
    fn args(a: &Args, kind: Kind) -> Vec<String> {
        match a {
            Args::None if kind == Kind::Unknown => vec![String::new()],
            Args::None => vec![],
            Args::Exec(w) | Args::List(w) => w.iter().map(|w| w.text.clone()).collect(),
            Args::Shell(w) | Args::Text(w) if kind == Kind::Unknown => {
                let _ = w;
                vec![String::new()]
            }
            Args::Shell(w) | Args::Text(w) => vec![w.text.clone()],
            Args::KeyValues { pairs, .. } if kind == Kind::Arg => pairs
                .iter()
                .map(|p| match &p.value {
                    Some(v) => format!("{}={}", p.key.text, v.text),
                    None => p.key.text.clone(),
                })
                .collect(),
            Args::KeyValues { pairs, .. } => pairs
                .iter()
                .flat_map(|p| {
                    [
                        p.key.text.clone(),
                        p.value.as_ref().map(|v| v.text.clone()).unwrap_or_default(),
                    ]
                })
                .collect(),
            Args::Healthcheck { mode, cmd } => {
                let mut v = vec![mode.text.clone()];
                v.extend(args(cmd, Kind::Cmd));
                v
            }
            Args::Onbuild(sub) => values(sub),
        }
    }
    args(&inst.args, inst.kind())
}

fn oracle(files: &[PathBuf]) -> Option<BTreeMap<PathBuf, Value>> {
    let script = common::root().join("scripts/buildkit_oracle.py");
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        child.stdin.take()?.write_all(list.as_bytes()).ok()?;
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        eprintln!("oracle failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).ok()?;
        map.insert(PathBuf::from(v["file"].as_str()?), v);
    }
    Some(map)
}

fn normalise(mut v: Value) -> Value {
    if let Some(cmds) = v.as_array_mut() {
        for c in cmds {
            for key in ["cmd", "sub_cmd"] {
                if let Some(s) = c[key].as_str() {
                    c[key] = json!(s.to_ascii_uppercase());
                }
            }
        }
    }
    v
}

#[test]
fn parser_agrees_with_buildkit() {
    let mut files = common::fixtures(&common::root().join("tests/fixtures/parser"));
    let corpus = common::corpus_files("parser_agrees_with_buildkit");
    files.extend(corpus.clone().unwrap_or_default());
    let Some(results) = oracle(&files) else {
        common::skip(
            "parser_agrees_with_buildkit",
            "python3 with the PyPI package `dockerfile` (3.4.0) is not installed",
        );
        return;
    };
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut oracle_errors = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let df = syntax::parse(&text);
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let Some(res) = results.get(file) else {
            failures.push(format!("{name}: no oracle output"));
            continue;
        };
        if res["ok"] != json!(true) {
            // BuildKit refuses the file; rdock must say so too.
            oracle_errors += 1;
            if df.errors.is_empty() && !EXPLAINED.iter().any(|(f, _)| *f == name) {
                failures.push(format!(
                    "{name}: BuildKit fails ({}) but rdock reports no syntax error",
                    res["error"]
                ));
            }
            continue;
        }
        compared += 1;
        let idx = LineIndex::new(&text);
        let ours = Value::Array(
            df.nodes
                .iter()
                .filter_map(|n| match &n.kind {
                    syntax::NodeKind::Instruction(i) => Some(view(
                        i,
                        idx.line_col(&text, n.lines.start).line,
                        &idx,
                        &text,
                    )),
                    _ => None,
                })
                .collect(),
        );
        let theirs = normalise(res["commands"].clone());
        if ours != theirs && !EXPLAINED.iter().any(|(f, _)| *f == name) {
            let (o, t) = (ours.as_array().unwrap(), theirs.as_array().unwrap());
            let first = (0..o.len().max(t.len()))
                .find(|&i| o.get(i) != t.get(i))
                .unwrap_or(0);
            failures.push(format!(
                "{name}: instruction {first} differs\n  rdock:    {}\n  buildkit: {}",
                o.get(first).map_or("-".into(), |v| v.to_string()),
                t.get(first).map_or("-".into(), |v| v.to_string())
            ));
        }
    }
    eprintln!(
        "compared {compared} files with BuildKit's parser ({oracle_errors} rejected by BuildKit), {} disagreements",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    if corpus.is_some() {
        assert!(compared > 1000, "only {compared} files compared");
    }
}
