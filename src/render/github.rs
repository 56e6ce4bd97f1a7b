//! `github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request.
//!
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=RDxxx (slug)::message`

use std::io::{self, Write};

use super::span_range;
use super::FileResult;
use crate::diagnostic::Severity;

pub(super) fn render(results: &[FileResult], out: &mut dyn Write) -> io::Result<()> {
    for result in results {
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
    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};

    #[test]
    fn github() {
        insta::assert_snapshot!(render_to_string(
            OutputFormat::Github,
            &fixtures::results(),
            &RenderOptions::default()
        ));
    }

    #[test]
    fn github_empty() {
        assert_eq!(
            render_to_string(OutputFormat::Github, &[], &RenderOptions::default()),
            ""
        );
    }

    #[test]
    fn github_escapes_hostile_text() {
        let out = render_to_string(
            OutputFormat::Github,
            &fixtures::hostile(),
            &RenderOptions::default(),
        );
        // One command, on one line, whatever the message holds.
        assert_eq!(out.lines().count(), 1);
        assert_eq!(
            out,
            "::error file=dir%2Cx/we%3Aird&<name>.Dockerfile,line=1,col=6,endLine=1,endColumn=7,\
             title=RD999 (not-a-rule)::100%25 <bad> & \"quoted\" 'single'%0D%0Asecond line: a,b\
             \u{1b}[31m\u{0}\tend\n"
        );
    }
}
