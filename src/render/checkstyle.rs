//! `checkstyle`: Checkstyle 4.3 XML, read by many CI dashboards.

use std::io::{self, Write};

use super::span_range;
use super::Report;
use crate::diagnostic::Severity;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    // Errors: an `error` with source `rdock.error` in the file they are
    // about (a `file` with an empty name when they are about none).
    for e in report.errors {
        let (line, col) = e.position();
        writeln!(
            out,
            r#"  <file name="{}">"#,
            escape_attr(e.path.as_deref().unwrap_or(""))
        )?;
        writeln!(
            out,
            r#"    <error line="{line}" column="{col}" severity="error" message="{}" source="rdock.error"/>"#,
            escape_attr(&e.message),
        )?;
        writeln!(out, "  </file>")?;
    }
    for result in report.results {
        writeln!(out, r#"  <file name="{}">"#, escape_attr(&result.path))?;
        for d in &result.diagnostics {
            let (start, _) = span_range(result, d.span);
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "info",
            };
            writeln!(
                out,
                r#"    <error line="{}" column="{}" severity="{severity}" message="{}" source="rdock.{}"/>"#,
                start.line,
                start.column,
                escape_attr(&d.message),
                escape_attr(d.code),
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}

/// Escape `s` for a double-quoted XML 1.0 attribute value.
///
/// Tab, line feed and carriage return become character references (a parser
/// would otherwise normalise them to spaces); other characters XML 1.0 cannot
/// hold at all become U+FFFD.
fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::OutputFormat;
    use super::escape_attr;

    #[test]
    fn checkstyle() {
        insta::assert_snapshot!(fixtures::render_results(OutputFormat::Checkstyle));
    }

    #[test]
    fn checkstyle_escapes_hostile_text() {
        let out = fixtures::render_hostile(OutputFormat::Checkstyle);
        insta::assert_snapshot!(out);
        // Nothing but markup may hold `<`, `>` or `"`, and no raw controls.
        for line in out.lines().skip(1) {
            assert!(!line.contains("<bad>") && !line.contains("&<"));
            assert!(!line.chars().any(|c| c.is_control()));
        }
    }

    #[test]
    fn attribute_escaping() {
        assert_eq!(
            escape_attr("a&b<c>d\"e'f\tg\nh\ri\u{1b}j\u{0}k\u{fffe}é"),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f&#9;g&#10;h&#13;i\u{fffd}j\u{fffd}k\u{fffd}é"
        );
    }

    /// Errors of the run (an unreadable file, a broken configuration, a fix
    /// not written, a bad flag) are in the report beside the findings.
    #[test]
    fn checkstyle_errors() {
        let out = fixtures::render_errors(OutputFormat::Checkstyle);
        insta::assert_snapshot!(out);
        assert_eq!(out.matches("source=\"rdock.error\"").count(), 5, "{out}");
    }
}
