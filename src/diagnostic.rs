//! Diagnostics: plain data, no rendering. Spans are byte ranges into the
//! original text; lines and columns are worked out at the edges.

use std::fmt;

use crate::fix::Fix;

pub use crate::text::Span;

/// How serious a finding is. Ordered: `Style < Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Style,
        Severity::Info,
        Severity::Warning,
        Severity::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "style" => Some(Severity::Style),
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains a finding ("the target is here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

/// One finding of one rule in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Rule id, `RD` and three digits.
    pub code: &'static str,
    /// Rule slug, which also names the doc `rules/<slug>.md`.
    pub slug: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the finding is; the primary label.
    pub span: Span,
    /// Text of the primary label, if any.
    pub label: Option<String>,
    pub related: Vec<Related>,
    /// A hint on how to resolve it, shown as "help".
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The code the finding shows to be dead (an unreachable stage, from
    /// its `FROM` to its last instruction): editors fade it.
    pub unused: Option<Span>,
}

impl Diagnostic {
    pub fn new(
        code: &'static str,
        slug: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            slug,
            severity,
            message: message.into(),
            span,
            label: None,
            related: Vec::new(),
            help: None,
            fix: None,
            unused: None,
        }
    }

    /// Sets the primary label's text; chains after `Context::report`.
    pub fn label(&mut self, text: impl Into<String>) -> &mut Self {
        self.label = Some(text.into());
        self
    }

    /// Sets the help: how to resolve the finding.
    pub fn help(&mut self, text: impl Into<String>) -> &mut Self {
        self.help = Some(text.into());
        self
    }

    /// Sets the fix.
    pub fn fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }
}
