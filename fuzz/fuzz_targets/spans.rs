//! What the lint targets check: linting with every rule never panics, and
//! every span it reports (findings, related locations, fix edits) is inside
//! the file on character boundaries.

use rdock::settings::{Overrides, Settings};
use rdock::Span;

/// Every rule.
pub fn all_rules() -> Settings {
    Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            ..Overrides::default()
        },
    )
}

fn in_file(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "{what} span {span:?} is not inside the {} bytes of the file",
        text.len()
    );
}

/// Lint `text` with `settings`; every span must be inside it.
pub fn lint_in_file(text: &str, settings: &Settings) {
    for d in rdock::check(text, settings) {
        in_file(text, d.span, d.code);
        for r in &d.related {
            in_file(text, r.span, "related");
        }
        for e in d.fix.iter().flat_map(|f| &f.edits) {
            in_file(text, e.span, "edit");
        }
    }
}
