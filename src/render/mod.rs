//! Output renderers: the only place that formats findings for users.
//!
//! Every format reads the same inputs: the [`FileResult`]s in the order given
//! (their diagnostics already sorted) and the metadata of every known rule.
//! Core types carry no serde derives; the machine formats build their own
//! private serde structs.

mod checkstyle;
mod concise;
mod full;
mod github;
mod gitlab;
mod json;
mod sarif;

#[cfg(test)]
mod fixtures;

use std::fmt;
use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::fix::Applicability;
use crate::line_index::{floor_char_boundary, LineCol};
use crate::rules::RuleMeta;

/// The findings for one file, with what the renderers need to show them.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The path as the user gave it (or `--stdin-filename`, or `-`).
    pub path: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    pub index: crate::line_index::LineIndex,
}

impl FileResult {
    pub fn new(
        path: impl Into<String>,
        text: impl Into<String>,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        let text = text.into();
        let index = crate::line_index::LineIndex::new(&text);
        FileResult {
            path: path.into(),
            text,
            diagnostics,
            index,
        }
    }
}

/// Something that stopped rdock from linting an input or writing its fix:
/// a file it could not read, a broken configuration, a fix refused or not
/// written, a bad command-line value. Every format reports these beside the
/// findings, so that CI shows them (a run with errors exits 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// The file it is about, as shown (a Dockerfile, `-` or the
    /// `--stdin-filename`, a configuration file); `None` when it is about
    /// no file (a command-line value).
    pub path: Option<String>,
    /// One-based line and column in that file, when known.
    pub line_col: Option<(usize, usize)>,
    /// What went wrong, one line.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl RunError {
    /// The line and column, 1:1 when unknown (formats that need one).
    fn position(&self) -> (usize, usize) {
        self.line_col.unwrap_or((1, 1))
    }
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// miette reports with a source excerpt, then a summary line.
    Full,
    /// One line per finding, `path:line:col: RDxxx [*] message`, then a summary line.
    Concise,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
    /// Checkstyle XML.
    Checkstyle,
}

impl OutputFormat {
    /// Every format, in the order they are documented.
    pub const ALL: [OutputFormat; 7] = [
        OutputFormat::Full,
        OutputFormat::Concise,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
        OutputFormat::Gitlab,
        OutputFormat::Checkstyle,
    ];

    /// The format named `s` (as [`OutputFormat::as_str`] spells it, any case).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
    }

    /// The name used on the command line and in config.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Full => "full",
            OutputFormat::Concise => "concise",
            OutputFormat::Json => "json",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Github => "github",
            OutputFormat::Gitlab => "gitlab",
            OutputFormat::Checkstyle => "checkstyle",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Presentation switches. Only `full` and `concise` look at them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours (`full`, `concise` and the summary line).
    pub color: bool,
    /// Show the source excerpt in the `full` format.
    pub show_source: bool,
    /// Leave out the summary line (`full`, `concise`).
    pub quiet: bool,
    /// Inputs that could not be linted (their errors are shown apart):
    /// the summary never says "No problems found." when some were not looked at.
    pub not_linted: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            show_source: true,
            quiet: false,
            not_linted: 0,
        }
    }
}

/// What every format renders: the findings in the order given (their
/// diagnostics already sorted), the errors beside them, the metadata of every
/// known rule (SARIF lists them all in `tool.driver.rules`; a diagnostic's
/// rule is looked up by its `code`), and the display options.
#[derive(Clone, Copy)]
pub struct Report<'a> {
    pub results: &'a [FileResult],
    pub errors: &'a [RunError],
    pub rules: &'a [&'static RuleMeta],
    pub opts: &'a RenderOptions,
}

/// Write `report` to `out` in `format`.
///
/// `full` leaves the errors to the caller (they are shown on standard error
/// with their help) and counts them in its summary line; every other
/// format carries them.
pub fn render(format: OutputFormat, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let render = match format {
        OutputFormat::Full => full::render,
        OutputFormat::Concise => concise::render,
        OutputFormat::Json => json::render,
        OutputFormat::Sarif => sarif::render,
        OutputFormat::Github => github::render,
        OutputFormat::Gitlab => gitlab::render,
        OutputFormat::Checkstyle => checkstyle::render,
    };
    render(report, out)
}

// ---------------------------------------------------------------------------
// Shared helpers.

/// The rule a diagnostic belongs to, with its index in `rules`.
fn find_rule<'r>(rules: &[&'r RuleMeta], code: &str) -> Option<(usize, &'r RuleMeta)> {
    rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.id == code)
        .map(|(i, r)| (i, *r))
}

/// 1-based line/column of the start and end of `span` (end is exclusive:
/// the position just after the last character).
fn span_range(result: &FileResult, span: Span) -> (LineCol, LineCol) {
    let start = result.index.line_col(&result.text, span.start);
    let end = result
        .index
        .line_col(&result.text, span.end.max(span.start));
    (start, end)
}

/// `span` clamped to the text and to char boundaries, so slicing never panics.
fn clamp_span(text: &str, span: Span) -> Span {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len())).max(start);
    Span::new(start, end)
}

/// The text a span covers (clamped).
fn span_text(text: &str, span: Span) -> &str {
    let s = clamp_span(text, span);
    &text[s.range()]
}

/// Totals over all results, for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Totals {
    errors: usize,
    warnings: usize,
    info: usize,
    style: usize,
    safe_fixes: usize,
    unsafe_fixes: usize,
}

impl Totals {
    fn of(results: &[FileResult]) -> Totals {
        let mut t = Totals::default();
        for d in results.iter().flat_map(|r| &r.diagnostics) {
            match d.severity {
                Severity::Error => t.errors += 1,
                Severity::Warning => t.warnings += 1,
                Severity::Info => t.info += 1,
                Severity::Style => t.style += 1,
            }
            match d.fix.as_ref().map(|f| f.applicability) {
                Some(Applicability::Safe) => t.safe_fixes += 1,
                Some(Applicability::Unsafe) => t.unsafe_fixes += 1,
                Some(Applicability::DisplayOnly) | None => {}
            }
        }
        t
    }

    fn total(&self) -> usize {
        self.errors + self.warnings + self.info + self.style
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary line, without its newline:
/// `Found 3 problems (1 error, 1 warning, 1 info). 1 fixable with --fix. 1 more with --unsafe-fixes.`
/// or `No problems found.`
fn summary_line(results: &[FileResult], color: bool) -> String {
    let t = Totals::of(results);
    if t.total() == 0 {
        return paint(color, GREEN, "No problems found.");
    }
    let mut parts = Vec::new();
    if t.errors > 0 {
        parts.push(plural(t.errors, "error", "errors"));
    }
    if t.warnings > 0 {
        parts.push(plural(t.warnings, "warning", "warnings"));
    }
    if t.info > 0 {
        parts.push(format!("{} info", t.info));
    }
    if t.style > 0 {
        parts.push(format!("{} style", t.style));
    }
    let mut line = paint(
        color,
        BOLD,
        &format!(
            "Found {} ({}).",
            plural(t.total(), "problem", "problems"),
            parts.join(", ")
        ),
    );
    if t.safe_fixes > 0 {
        line.push(' ');
        line.push_str(&paint(
            color,
            CYAN,
            &format!("{} fixable with --fix.", t.safe_fixes),
        ));
    }
    if t.unsafe_fixes > 0 {
        line.push_str(&format!(" {} more with --unsafe-fixes.", t.unsafe_fixes));
    }
    line
}

fn write_summary(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let Report {
        results,
        errors,
        opts,
        ..
    } = *report;
    if opts.quiet {
        return Ok(());
    }
    let line = summary_line(results, opts.color);
    // Errors about inputs that were linted (a fix not written) or about
    // no input.
    let others = errors.len().saturating_sub(opts.not_linted);
    let skipped = match (opts.not_linted, others) {
        (0, 0) => return writeln!(out, "{line}"),
        (0, n) => format!("{} (see the errors).", plural(n, "error", "errors")),
        (n, 0) => format!(
            "{} could not be linted (see the errors).",
            plural(n, "input", "inputs")
        ),
        (n, m) => format!(
            "{} could not be linted, and {} more (see the errors).",
            plural(n, "input", "inputs"),
            plural(m, "error", "errors")
        ),
    };
    if Totals::of(results).total() == 0 {
        writeln!(
            out,
            "No problems found in what was linted; {}",
            paint(opts.color, RED, &skipped)
        )
    } else {
        writeln!(out, "{line} {}", paint(opts.color, RED, &skipped))
    }
}

const BOLD: &str = "1";
const RED: &str = "1;31";
const YELLOW: &str = "1;33";
const CYAN: &str = "36";
const GREEN: &str = "32";

/// `s` wrapped in an SGR escape when `color` is on.
fn paint(color: bool, sgr: &str, s: &str) -> String {
    if color {
        format!("\x1b[{sgr}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn severity_sgr(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info | Severity::Style => CYAN,
    }
}

/// `s` made safe for a terminal: control characters (which could move the
/// cursor or change colours) are shown escaped, `\t` is kept, and line
/// breaks are kept only when `keep_newlines` (otherwise they become spaces).
fn terminal_text(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' if keep_newlines => out.push('\n'),
            '\n' | '\r' => out.push(' '),
            '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Stable fingerprints of the diagnostics of one file, in order.
///
/// A fingerprint hashes the path, the rule code, the message and the text
/// of the flagged span, but not the line: it survives edits above the
/// finding. Identical findings are told apart by an occurrence counter.
/// 32 hex digits: FNV-1a 64 run twice with different offset bases.
fn fingerprints(result: &FileResult) -> Vec<String> {
    let mut seen: Vec<(u64, u64, usize)> = Vec::new();
    result
        .diagnostics
        .iter()
        .map(|d| {
            let base = fingerprint_parts(&result.path, d, span_text(&result.text, d.span));
            let occurrence = match seen.iter_mut().find(|(a, b, _)| (*a, *b) == base) {
                Some(entry) => {
                    entry.2 += 1;
                    entry.2
                }
                None => {
                    seen.push((base.0, base.1, 0));
                    0
                }
            };
            let occ = (occurrence as u64).to_le_bytes();
            let hi = fnv1a(base.0, &occ);
            let lo = fnv1a(base.1, &occ);
            format!("{hi:016x}{lo:016x}")
        })
        .collect()
}

/// A stable fingerprint of an error: its path and message (no line).
fn error_fingerprint(e: &RunError) -> String {
    let mut hi = FNV_OFFSET;
    let mut lo = FNV_OFFSET_ALT;
    for field in [e.path.as_deref().unwrap_or(""), "error", &e.message] {
        hi = fnv1a(fnv1a(hi, field.as_bytes()), &[0xff]);
        lo = fnv1a(fnv1a(lo, field.as_bytes()), &[0xff]);
    }
    format!("{hi:016x}{lo:016x}")
}

fn fingerprint_parts(path: &str, d: &Diagnostic, flagged: &str) -> (u64, u64) {
    // Normalise separators so the same file gets the same fingerprint on Windows.
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let fields: [&[u8]; 4] = [
        path.as_bytes(),
        d.code.as_bytes(),
        d.message.as_bytes(),
        flagged.as_bytes(),
    ];
    let mut hi = FNV_OFFSET;
    let mut lo = FNV_OFFSET_ALT;
    for field in fields {
        hi = fnv1a(fnv1a(hi, field), &[0xff]);
        lo = fnv1a(fnv1a(lo, field), &[0xff]);
    }
    (hi, lo)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// A second offset basis: the standard one run over `rdock`.
const FNV_OFFSET_ALT: u64 = fnv1a(FNV_OFFSET, b"rdock");
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

const fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in OutputFormat::ALL {
            assert_eq!(OutputFormat::parse(f.as_str()), Some(f));
            assert_eq!(f.to_string(), f.as_str());
        }
        assert_eq!(OutputFormat::parse("SARIF"), Some(OutputFormat::Sarif));
        assert_eq!(OutputFormat::parse("xml"), None);
    }

    #[test]
    fn summary_wording() {
        let results = fixtures::results();
        assert_eq!(
            summary_line(&results, false),
            "Found 4 problems (1 error, 1 warning, 1 info, 1 style). \
             1 fixable with --fix. 1 more with --unsafe-fixes."
        );
        assert_eq!(summary_line(&[], false), "No problems found.");
        let some_not_linted = RenderOptions {
            not_linted: 2,
            ..RenderOptions::default()
        };
        let mut out = Vec::new();
        let report = Report {
            results: &[],
            errors: &[],
            rules: &[],
            opts: &some_not_linted,
        };
        write_summary(&report, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "No problems found in what was linted; 2 inputs could not be linted (see the errors).\n"
        );
        assert_eq!(
            summary_line(&fixtures::clean(), false),
            "No problems found."
        );
    }

    #[test]
    fn fingerprints_ignore_line_and_count_duplicates() {
        use crate::diagnostic::Severity;
        let d =
            |at: usize| Diagnostic::new("RD999", "x", Severity::Info, Span::new(at, at + 3), "m");
        let a = FileResult::new("Dockerfile", "FOO\nFOO\n", vec![d(0), d(4)]);
        let fa = fingerprints(&a);
        assert_ne!(fa[0], fa[1], "duplicates are disambiguated");
        assert_eq!(fa[0].len(), 32);
        // The same finding, moved down two lines, keeps its fingerprint.
        let b = FileResult::new("Dockerfile", "\n\nFOO\n", vec![d(2)]);
        assert_eq!(fingerprints(&b)[0], fa[0]);
        // Another path gives another fingerprint.
        let c = FileResult::new("other/Dockerfile", "FOO\n", vec![d(0)]);
        assert_ne!(fingerprints(&c)[0], fa[0]);
        // Pinned, so a change of hashing is noticed.
        assert_eq!(
            fa,
            [
                "23d245aca790a1597928e4ed6473ca74",
                "04d77ea39ca157389823abf66f631495"
            ]
        );
    }

    /// What a format writes when there is nothing to report.
    #[test]
    fn formats_with_nothing_to_report() {
        for (format, want) in [
            (
                OutputFormat::Checkstyle,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n</checkstyle>\n",
            ),
            (OutputFormat::Github, ""),
            (OutputFormat::Gitlab, "[]\n"),
        ] {
            assert_eq!(fixtures::render_empty(format), want, "{format:?}");
        }
    }

    #[test]
    fn out_of_range_spans_are_clamped() {
        let text = "aé";
        assert_eq!(clamp_span(text, Span::new(2, 99)), Span::new(1, 3));
    }
}
