//! `json`: a pretty JSON array of findings, one object per diagnostic.
//!
//! Errors (a file that could not be read or written, a broken
//! configuration, a fix refused) are objects of the same array with
//! `"code": null` and `"severity": "error"`, first; `filename` is the file
//! they are about (`null` for a command-line value). This is how ruff
//! reports syntax errors in its JSON, and it keeps the top level an array,
//! so readers of earlier versions keep working.

use std::io::{self, Write};

use serde::Serialize;

use super::{find_rule, span_range, Report};
use super::{FileResult, RunError};
use crate::diagnostic::Diagnostic;
use crate::rules::RuleMeta;

#[derive(Serialize)]
struct Message<'a> {
    code: Option<&'a str>,
    slug: Option<&'a str>,
    severity: &'a str,
    message: &'a str,
    filename: Option<&'a str>,
    location: Location,
    end_location: Location,
    url: Option<String>,
    related: Vec<RelatedOut<'a>>,
    fix: Option<FixOut<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct Location {
    row: usize,
    column: usize,
}

#[derive(Serialize)]
struct RelatedOut<'a> {
    message: &'a str,
    location: Location,
    end_location: Location,
}

#[derive(Serialize)]
struct FixOut<'a> {
    applicability: &'a str,
    message: &'a str,
    edits: Vec<EditOut<'a>>,
}

#[derive(Serialize)]
struct EditOut<'a> {
    content: &'a str,
    location: Location,
    end_location: Location,
}

fn locations(result: &FileResult, span: crate::Span) -> (Location, Location) {
    let (start, end) = span_range(result, span);
    (
        Location {
            row: start.line,
            column: start.column,
        },
        Location {
            row: end.line,
            column: end.column,
        },
    )
}

fn message<'a>(
    result: &'a FileResult,
    d: &'a Diagnostic,
    rules: &[&'static RuleMeta],
) -> Message<'a> {
    let (location, end_location) = locations(result, d.span);
    Message {
        code: Some(d.code),
        slug: Some(d.slug),
        severity: d.severity.as_str(),
        message: &d.message,
        filename: Some(&result.path),
        location,
        end_location,
        url: find_rule(rules, d.code).map(|(_, r)| r.url()),
        related: d
            .related
            .iter()
            .map(|r| {
                let (location, end_location) = locations(result, r.span);
                RelatedOut {
                    message: &r.message,
                    location,
                    end_location,
                }
            })
            .collect(),
        fix: d.fix.as_ref().map(|f| FixOut {
            applicability: f.applicability.as_str(),
            message: &f.title,
            edits: f
                .edits
                .iter()
                .map(|e| {
                    let (location, end_location) = locations(result, e.span);
                    EditOut {
                        content: &e.replacement,
                        location,
                        end_location,
                    }
                })
                .collect(),
        }),
        help: d.help.as_deref(),
    }
}

fn error(e: &RunError) -> Message<'_> {
    let (row, column) = e.position();
    Message {
        code: None,
        slug: None,
        severity: "error",
        message: &e.message,
        filename: e.path.as_deref(),
        location: Location { row, column },
        end_location: Location { row, column },
        url: None,
        related: Vec::new(),
        fix: None,
        help: e.help.as_deref(),
    }
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let messages: Vec<Message<'_>> = report
        .errors
        .iter()
        .map(error)
        .chain(
            report
                .results
                .iter()
                .flat_map(|r| r.diagnostics.iter().map(move |d| (r, d)))
                .map(|(r, d)| message(r, d, report.rules)),
        )
        .collect();
    // serde_json's pretty printer indents by two spaces.
    serde_json::to_writer_pretty(&mut *out, &messages)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};

    #[test]
    fn json() {
        let out = fixtures::render_results(OutputFormat::Json);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn json_empty() {
        let opts = RenderOptions::default();
        assert_eq!(render_to_string(OutputFormat::Json, &[], &opts), "[]\n");
        assert_eq!(
            render_to_string(OutputFormat::Json, &fixtures::clean(), &opts),
            "[]\n"
        );
    }

    #[test]
    fn json_unknown_rule_and_hostile_text_round_trip() {
        let out = fixtures::render_hostile(OutputFormat::Json);
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        let item = &value[0];
        assert_eq!(item["url"], serde_json::Value::Null);
        assert_eq!(item["fix"], serde_json::Value::Null);
        assert_eq!(
            item["message"],
            fixtures::hostile()[0].diagnostics[0].message
        );
        assert_eq!(item["filename"], "dir,x/we:ird&<name>.Dockerfile");
    }

    /// Errors of the run (an unreadable file, a broken configuration, a fix
    /// not written, a bad flag) are in the report beside the findings.
    #[test]
    fn json_errors() {
        let out = fixtures::render_errors(OutputFormat::Json);
        insta::assert_snapshot!(out);
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        // Errors first, then the findings, in one array.
        assert_eq!(value[0]["code"], serde_json::Value::Null);
        assert_eq!(value[0]["filename"], "missing/Dockerfile");
        assert_eq!(value[3]["filename"], serde_json::Value::Null);
        assert_eq!(value[4]["message"], fixtures::errors()[4].message);
        assert_eq!(value.as_array().map(Vec::len), Some(5 + 4));
    }
}
