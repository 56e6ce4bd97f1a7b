//! Shell analysis of RUN bodies never panics and maps everything it finds back
//! inside the file. The input is used as the body of a RUN instruction in
//! shell form, in a heredoc, and in exec form with `sh -c`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdock::{shell, syntax, Span};

fn in_file(text: &str, span: Span) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "span {span:?} outside the {} bytes of the file",
        text.len()
    );
}

fn analyse(file: &str) {
    let df = syntax::parse(file);
    for inst in df.instructions() {
        let Some(script) = shell::parse_instruction(inst, file) else {
            continue;
        };
        for cmd in &script.commands {
            in_file(file, cmd.span);
            for w in &cmd.words {
                in_file(file, w.span);
            }
            for a in &cmd.assignments {
                in_file(file, a.span);
                in_file(file, a.value.span);
            }
            for r in &cmd.redirects {
                let _ = r.writes_file();
            }
            let _ = (cmd.name(), cmd.base_name(), cmd.operands().count());
        }
        for p in &script.pipelines {
            assert!(p.commands.iter().all(|&i| i < script.commands.len()));
        }
        if let Some(e) = &script.error {
            in_file(file, e.span);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    analyse(&format!("FROM scratch\nRUN {body}\n"));
    analyse(&format!("FROM scratch\nRUN <<EOF\n{body}\nEOF\n"));
    let json = serde_json_string(&body);
    analyse(&format!("FROM scratch\nRUN [\"/bin/sh\", \"-c\", {json}]\n"));
});

/// A JSON string literal of `s` (the fuzz crate has no JSON dependency).
fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
