//! Fixing (unsafe fixes included) settles, never adds syntax errors, and
//! fixing the fixed text again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rdock::settings::{Overrides, Settings};
use rdock::syntax;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let settings = Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            ..Overrides::default()
        },
    );
    let fixed = rdock::check_and_fix(&text, &settings, true)
        .unwrap_or_else(|e| panic!("fixing failed: {e}"));
    assert!(
        syntax::parse(&fixed.text).errors.len() <= syntax::parse(&text).errors.len(),
        "fixes added syntax errors"
    );
    let again = rdock::check_and_fix(&fixed.text, &settings, true)
        .unwrap_or_else(|e| panic!("fixing the fixed text failed: {e}"));
    assert_eq!(again.text, fixed.text, "re-fixing changes the fixed text");
    assert_eq!(again.applied, 0, "re-fixing applies fixes");
});
