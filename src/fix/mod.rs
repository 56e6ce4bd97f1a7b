//! Fixes: sorted, non-overlapping edits with an applicability, and the
//! machinery that applies them to a text.

pub mod diff;

use crate::text::Span;

/// Replace the bytes of `span` with `replacement`. An empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn replace(span: Span, replacement: impl Into<String>) -> Self {
        Edit {
            span,
            replacement: replacement.into(),
        }
    }
    pub fn delete(span: Span) -> Self {
        Edit::replace(span, "")
    }
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit::replace(Span::empty(at), text)
    }
}

/// Whether a fix may be applied without a person looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown, never applied automatically.
    DisplayOnly,
    /// Changes behaviour in some cases: needs `--unsafe-fixes`.
    Unsafe,
    /// Keeps the meaning exactly: applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// A repair for one diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in the imperative ("Rename `Build` to `build`").
    pub title: String,
    /// Sorted by start, non-overlapping.
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    pub fn new(
        title: impl Into<String>,
        mut edits: Vec<Edit>,
        applicability: Applicability,
    ) -> Self {
        edits.sort();
        edits.dedup();
        Fix {
            title: title.into(),
            edits,
            applicability,
        }
    }
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, edits, Applicability::Safe)
    }
    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, edits, Applicability::Unsafe)
    }

    /// The smallest span covering every edit.
    pub fn span(&self) -> Option<Span> {
        let first = self.edits.first()?;
        Some(
            self.edits
                .iter()
                .fold(first.span, |acc, e| acc.cover(e.span)),
        )
    }

    /// Its own edits are sorted and do not overlap (a rule bug otherwise).
    pub fn is_well_formed(&self) -> bool {
        self.edits
            .windows(2)
            .all(|w| w[0].span.end <= w[1].span.start && w[0].span != w[1].span)
            && self.edits.iter().all(|e| e.span.start <= e.span.end)
    }

    fn overlaps(&self, taken: &[Edit]) -> bool {
        self.edits.iter().any(|e| {
            taken.iter().any(|t| {
                // Two insertions at the same point conflict too: their order would be arbitrary.
                (e.span.start < t.span.end && t.span.start < e.span.end)
                    || (e.span.start == t.span.start)
                    || (e.span.is_empty()
                        && t.span.start < e.span.start
                        && e.span.start < t.span.end)
                    || (t.span.is_empty()
                        && e.span.start < t.span.start
                        && t.span.start < e.span.end)
            })
        })
    }
}

/// Apply as many of `fixes` as do not overlap, in order. Returns the new text
/// and the number of fixes applied. Fixes that overlap one already taken are
/// left for the next pass.
pub fn apply_fixes<'a>(text: &str, fixes: impl IntoIterator<Item = &'a Fix>) -> (String, usize) {
    let mut taken: Vec<Edit> = Vec::new();
    let mut applied = 0;
    for fix in fixes {
        if fix.edits.is_empty() || fix.overlaps(&taken) || !fix.is_well_formed() {
            continue;
        }
        if fix.edits.iter().any(|e| {
            e.span.end > text.len()
                || !text.is_char_boundary(e.span.start)
                || !text.is_char_boundary(e.span.end)
        }) {
            continue;
        }
        taken.extend(fix.edits.iter().cloned());
        applied += 1;
    }
    taken.sort();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for edit in &taken {
        out.push_str(&text[pos..edit.span.start]);
        out.push_str(&edit.replacement);
        pos = edit.span.end;
    }
    out.push_str(&text[pos..]);
    (out, applied)
}
