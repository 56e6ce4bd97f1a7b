//! Linting with every rule never panics, and every span it reports (findings,
//! related locations, fix edits) is inside the file on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod spans;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    spans::lint_in_file(&text, &spans::all_rules());
});
