//! Every RUN body of the corpus through the shell parser: no panic, spans
//! inside the file, and how many parse.

use crate::common;

use rdock::model::{BuildInputs, Model};
use rdock::shell;
use rdock::syntax::Kind;

#[test]
fn corpus_run_bodies_parse() {
    let Some(files) = common::corpus_files("corpus_run_bodies_parse") else {
        return;
    };
    let (mut runs, mut ok, mut failures) = (0, 0, Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let model = Model::new(&text, &BuildInputs::default());
        for ii in 0..model.instructions.len() {
            let inst = model.instruction(ii);
            // PowerShell and cmd bodies are not shell scripts.
            if inst.kind() != Kind::Run || !model.posix_shell_at(ii) {
                continue;
            }
            let Some(script) = shell::parse_instruction(inst, &text) else {
                continue;
            };
            runs += 1;
            match &script.error {
                None => ok += 1,
                Some(e) => failures.push(format!(
                    "{}:{}: {}",
                    f.display(),
                    text[..inst.span.start].lines().count() + 1,
                    e.message
                )),
            }
            for c in &script.commands {
                for w in &c.words {
                    assert!(
                        w.span.end <= text.len()
                            && text.is_char_boundary(w.span.start)
                            && text.is_char_boundary(w.span.end)
                    );
                }
            }
        }
    }
    eprintln!("{ok} of {runs} RUN bodies parse");
    assert!(runs > 3000, "only {runs} RUN bodies found");
    assert_eq!(
        ok,
        runs,
        "RUN bodies that do not parse:\n{}",
        failures.join("\n")
    );
}
