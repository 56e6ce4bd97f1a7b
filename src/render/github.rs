//! `github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request.
//!
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=RDxxx (slug)::message`

use std::io::{self, Write};

use super::span_range;
use super::Report;
use crate::diagnostic::Severity;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    // An error is an `::error` annotation on its file (line 1 when the
    // line is not known), or on the run when it is about no file.
    for e in report.errors {
        let mut props = Vec::new();
        if let Some(path) = &e.path {
            let (line, col) = e.position();
            props.push(format!(
                "file={},line={line},col={col}",
                escape_property(path)
            ));
        }
        props.push(format!("title={}", escape_property("rdock error")));
        let message = match &e.help {
            Some(help) => format!("{}\nhelp: {help}", e.message),
            None => e.message.clone(),
        };
        writeln!(
            out,
            "::error {}::{}",
            props.join(","),
            escape_data(&message)
        )?;
    }
    for result in report.results {
        for d in &result.diagnostics {
            let (start, end) = span_range(result, d.span);
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "notice",
            };
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&result.path),
                start.line,
                start.column,
                end.line,
                end.column,
                escape_property(&format!("{} ({})", d.code, d.slug)),
                escape_data(&d.message),
            )?;
        }
    }
    Ok(())
}

/// Escape a command's message, as `@actions/core` does.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value, as `@actions/core` does.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::OutputFormat;

    #[test]
    fn github() {
        insta::assert_snapshot!(fixtures::render_results(OutputFormat::Github));
    }

    #[test]
    fn github_escapes_hostile_text() {
        let out = fixtures::render_hostile(OutputFormat::Github);
        // One command, on one line, whatever the message holds.
        assert_eq!(out.lines().count(), 1);
        assert_eq!(
            out,
            "::error file=dir%2Cx/we%3Aird&<name>.Dockerfile,line=1,col=6,endLine=1,endColumn=7,\
             title=RD999 (not-a-rule)::100%25 <bad> & \"quoted\" 'single'%0D%0Asecond line: a,b\
             \u{1b}[31m\u{0}\tend\n"
        );
    }

    /// Errors of the run (an unreadable file, a broken configuration, a fix
    /// not written, a bad flag) are in the report beside the findings.
    #[test]
    fn github_errors() {
        let out = fixtures::render_errors(OutputFormat::Github);
        insta::assert_snapshot!(out);
        // One line per error: a message cannot inject a second command.
        assert_eq!(
            out.lines().filter(|l| l.starts_with("::error ")).count(),
            5 + 1,
            "{out}"
        );
        assert_eq!(out.lines().count(), 5 + 4, "{out}");
    }
}
