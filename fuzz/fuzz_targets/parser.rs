//! The parser never panics and its tree prints back to the input, byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdock::syntax;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let df = syntax::parse(&text);
    let printed = syntax::printer::print(&df, &text).expect("the nodes tile the file");
    assert_eq!(printed, text, "the tree prints back to the input");
    for node in &df.nodes {
        assert!(node.lines.start <= node.lines.end && node.lines.end <= text.len());
    }
});
