//! `concise`: one line per finding, `path:line:col: RDxxx [*] message`,
//! then a summary line. `[*]` marks a safe fix, as ruff does.

use std::io::{self, Write};

use super::FileResult;
use super::{
    paint, severity_sgr, span_range, terminal_text, write_summary, RenderOptions, BOLD, CYAN,
};
use crate::fix::Applicability;

pub(super) fn render(
    results: &[FileResult],
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let color = opts.color;
    for result in results {
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
    write_summary(results, opts, out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};

    #[test]
    fn concise() {
        insta::assert_snapshot!(render_to_string(
            OutputFormat::Concise,
            &fixtures::results(),
            &RenderOptions::default()
        ));
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
            render_to_string(OutputFormat::Concise, &[], &RenderOptions::default()),
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
}
