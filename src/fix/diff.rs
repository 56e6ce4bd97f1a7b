//! Unified diffs of what a fix would write, with `similar`.

use similar::TextDiff;

/// A unified diff between `old` and `new`, labelled with `path`. Empty when equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
