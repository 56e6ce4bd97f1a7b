//! `concise`: one line per finding, `path:line:col: RDxxx [*] message`,
//! then a summary line. `[*]` marks a safe fix, as ruff does.

use std::io::{self, Write};

use super::{
    paint, severity_sgr, span_range, terminal_text, write_summary, Report, BOLD, CYAN, RED,
};
use crate::fix::Applicability;

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let color = report.opts.color;
    // Errors first, one line each: `path[:line:col]: error: message (help)`.
    for e in report.errors {
        let location = match (&e.path, e.line_col) {
            (Some(path), Some((line, col))) => {
                format!("{}:{line}:{col}: ", terminal_text(path, false))
            }
            (Some(path), None) => format!("{}: ", terminal_text(path, false)),
            (None, _) => String::new(),
        };
        let help = e
            .help
            .as_ref()
            .map(|h| format!(" ({})", terminal_text(h, false)))
            .unwrap_or_default();
        writeln!(
            out,
            "{}{} {}{help}",
            paint(color, BOLD, &location),
            paint(color, RED, "error:"),
            terminal_text(&e.message, false)
        )?;
    }
    for result in report.results {
        for d in &result.diagnostics {
            let (start, _) = span_range(result, d.span);
            let location = format!(
                "{}:{}:{}:",
                terminal_text(&result.path, false),
                start.line,
                start.column
            );
            let safe = d
                .fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe);
            let marker = if safe {
                format!("{} ", paint(color, CYAN, "[*]"))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{} {} {}{}",
                paint(color, BOLD, &location),
                paint(color, severity_sgr(d.severity), d.code),
                marker,
                terminal_text(&d.message, false),
            )?;
        }
    }
    write_summary(report, out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};

    #[test]
    fn concise() {
        insta::assert_snapshot!(fixtures::render_results(OutputFormat::Concise));
    }

    #[test]
    fn concise_quiet_and_empty() {
        let quiet = RenderOptions {
            quiet: true,
            ..RenderOptions::default()
        };
        let out = render_to_string(OutputFormat::Concise, &fixtures::results(), &quiet);
        assert_eq!(out.lines().count(), 4);
        assert_eq!(
            fixtures::render_empty(OutputFormat::Concise),
            "No problems found.\n"
        );
    }

    #[test]
    fn concise_keeps_one_line_per_finding() {
        let out = render_to_string(
            OutputFormat::Concise,
            &fixtures::hostile(),
            &RenderOptions {
                quiet: true,
                ..RenderOptions::default()
            },
        );
        assert_eq!(out.lines().count(), 1);
    }

    /// Errors of the run (an unreadable file, a broken configuration, a fix
    /// not written, a bad flag) are in the report beside the findings.
    #[test]
    fn concise_errors() {
        let out = fixtures::render_errors(OutputFormat::Concise);
        insta::assert_snapshot!(out);
        assert!(out.ends_with("5 errors (see the errors).\n"), "{out}");
    }
}
