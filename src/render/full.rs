//! `full`: miette's graphical reports, one per finding, then a summary line.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::FileResult;
use super::{clamp_span, find_rule, span_range, terminal_text, write_summary, Report};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::rules::RuleMeta;

/// Columns the reports wrap at.
const WIDTH: usize = 100;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if report.opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false)
        .without_syntax_highlighting()
        .with_context_lines(1);

    for result in report.results {
        if result.diagnostics.is_empty() {
            continue;
        }
        for diag in &result.diagnostics {
            let source = report
                .opts
                .show_source
                .then(|| FileSource::around(result, diag))
                .flatten();
            let report = Finding::new(result, diag, report.rules, source);
            let mut text = String::new();
            handler
                .render_report(&mut text, &report)
                .map_err(|_| io::Error::other("failed to format a diagnostic"))?;
            out.write_all(text.as_bytes())?;
            writeln!(out)?;
        }
    }
    write_summary(report, out)
}

/// The most text one excerpt shows. A finding on a longer stretch (a
/// megabyte-long line) is shown without it: its message says where.
const MAX_EXCERPT: usize = 16 * 1024;

/// The lines of a file a finding's labels cover, with a line of context on
/// each side, for miette, named by the file's path. Only these lines are
/// handed over (miette reads a source from its start: whole-file sources
/// made many findings in one file quadratic). miette counts columns in
/// bytes; this recounts them in characters (and lines with our
/// [`LineIndex`](crate::line_index::LineIndex)), so the `[path:line:col]`
/// header agrees with every other format.
#[derive(Clone, Copy)]
struct FileSource<'a> {
    result: &'a FileResult,
    /// Where the excerpt starts in the file; label spans are relative to it.
    base: usize,
    text: &'a str,
}

impl<'a> FileSource<'a> {
    fn around(result: &'a FileResult, diag: &Diagnostic) -> Option<FileSource<'a>> {
        let text = &result.text;
        let spans = std::iter::once(diag.span).chain(diag.related.iter().map(|r| r.span));
        let (mut lo, mut hi) = (usize::MAX, 0);
        for sp in spans {
            let sp = clamp_span(text, sp);
            lo = lo.min(sp.start);
            hi = hi.max(sp.end);
        }
        let index = &result.index;
        let first = index.line_of(lo).saturating_sub(1);
        let last = index.line_of(hi) + 1;
        let (base, end) = (index.line_start(first), index.line_end(last));
        (end - base <= MAX_EXCERPT).then(|| FileSource {
            result,
            base,
            text: &text[base..end],
        })
    }

    /// A span of the file, relative to the excerpt.
    fn local(&self, span: crate::Span) -> (usize, usize) {
        let s = clamp_span(&self.result.text, span);
        (s.start - self.base, s.len())
    }
}

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let result = self.result;
        let contents = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        let start = result
            .index
            .line_col(&result.text, self.base + contents.span().offset());
        Ok(Box::new(MietteSpanContents::new_named(
            result.path.clone(),
            contents.data(),
            *contents.span(),
            start.line - 1,
            start.column - 1,
            contents.line_count(),
        )))
    }
}

/// One finding, dressed as a miette diagnostic.
struct Finding<'a> {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    url: Option<String>,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Option<FileSource<'a>>,
}

impl<'a> Finding<'a> {
    fn new(
        result: &FileResult,
        diag: &Diagnostic,
        rules: &[&'static RuleMeta],
        source: Option<FileSource<'a>>,
    ) -> Self {
        let message = if source.is_some() {
            terminal_text(&diag.message, true)
        } else {
            // No excerpt: say where, or the reader cannot tell.
            let (start, _) = span_range(result, diag.span);
            terminal_text(
                &format!(
                    "{}:{}:{}: {}",
                    result.path, start.line, start.column, diag.message
                ),
                true,
            )
        };

        let mut labels = Vec::with_capacity(1 + diag.related.len());
        if let Some(src) = &source {
            labels.push(LabeledSpan::new_primary_with_span(
                Some(terminal_text(
                    diag.label.as_deref().unwrap_or(&diag.message),
                    false,
                )),
                src.local(diag.span),
            ));
            for rel in &diag.related {
                labels.push(LabeledSpan::new_with_span(
                    Some(terminal_text(&rel.message, false)),
                    src.local(rel.span),
                ));
            }
        }

        let fix_line = diag.fix.as_ref().map(|fix| match fix.applicability {
            Applicability::Safe => format!("fix (safe): {}", fix.title),
            Applicability::Unsafe => {
                format!("fix (unsafe, needs --unsafe-fixes): {}", fix.title)
            }
            Applicability::DisplayOnly => format!("suggestion: {}", fix.title),
        });
        let help = match (&diag.help, fix_line) {
            (Some(h), Some(f)) => Some(format!("{h}\n{f}")),
            (Some(h), None) => Some(h.clone()),
            (None, f) => f,
        };

        Finding {
            message,
            code: diag.code,
            severity: match diag.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info | Severity::Style => miette::Severity::Advice,
            },
            url: find_rule(rules, diag.code).map(|(_, r)| r.url()),
            help: help.map(|h| terminal_text(&h, true)),
            labels,
            source,
        }
    }
}

impl fmt::Debug for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Finding<'_> {}

impl miette::Diagnostic for Finding<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'b>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_deref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source?;
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};

    const PLAIN: RenderOptions = RenderOptions {
        color: false,
        show_source: true,
        quiet: false,
        not_linted: 0,
    };

    #[test]
    fn full() {
        insta::assert_snapshot!(fixtures::render_results_with(OutputFormat::Full, &PLAIN));
    }

    #[test]
    fn full_without_source_quiet() {
        let opts = RenderOptions {
            show_source: false,
            quiet: true,
            ..PLAIN
        };
        insta::assert_snapshot!(fixtures::render_results_with(OutputFormat::Full, &opts));
    }

    #[test]
    fn full_empty() {
        assert_eq!(
            render_to_string(OutputFormat::Full, &[], &PLAIN),
            "No problems found.\n"
        );
        assert_eq!(
            render_to_string(OutputFormat::Full, &fixtures::clean(), &PLAIN),
            "No problems found.\n"
        );
        let quiet = RenderOptions {
            quiet: true,
            ..PLAIN
        };
        assert_eq!(render_to_string(OutputFormat::Full, &[], &quiet), "");
    }

    #[test]
    fn full_color_uses_ansi_only_when_asked() {
        let plain = fixtures::render_results_with(OutputFormat::Full, &PLAIN);
        assert!(!plain.contains('\u{1b}'));
        let color = RenderOptions {
            color: true,
            ..PLAIN
        };
        let colored = fixtures::render_results_with(OutputFormat::Full, &color);
        assert!(colored.contains('\u{1b}'));
        // No OSC 8 hyperlinks: output must be stable in logs.
        assert!(!colored.contains("\u{1b}]8;"));
    }

    #[test]
    fn full_survives_out_of_range_spans() {
        use crate::diagnostic::{Diagnostic, Severity, Span};
        let d = Diagnostic::new(
            "RD999",
            "x",
            Severity::Error,
            Span::new(50, 90),
            "past the end",
        );
        let results = vec![crate::FileResult::new("Dockerfile", "FROM é\n", vec![d])];
        let out = render_to_string(OutputFormat::Full, &results, &PLAIN);
        assert!(out.contains("past the end"));
        assert!(!out.contains("Failed to read contents"));
    }

    /// Errors of the run (an unreadable file, a broken configuration, a fix
    /// not written, a bad flag) are in the report beside the findings.
    #[test]
    fn full_errors() {
        let out = fixtures::render_errors(OutputFormat::Full);
        // The errors are shown apart (on standard error); the summary counts them.
        assert!(!out.contains("Permission denied"), "{out}");
        assert!(out.ends_with("5 errors (see the errors).\n"), "{out}");
    }
}
