//! Structure-aware: the fuzzer's bytes choose a Dockerfile from the classes
//! of input that broke rdock before (see generate.rs). Linting it with
//! every rule never panics, never overflows the stack, and every span is
//! inside the file; fixing a small one never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod generate;
mod spans;

fuzz_target!(|data: &[u8]| {
    let text = generate::dockerfile(data);
    let settings = spans::all_rules();
    spans::lint_in_file(&text, &settings);
    if text.len() <= 16 * 1024 {
        let _ = rdock::check_and_fix(&text, &settings, true);
    }
});
