//! `gitlab`: a GitLab Code Quality report (a subset of the Code Climate spec).

use std::io::{self, Write};

use serde::Serialize;

use super::{error_fingerprint, fingerprints, span_range, Report};
use crate::diagnostic::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

fn severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Style => "info",
        Severity::Info => "minor",
        Severity::Warning => "major",
        Severity::Error => "critical",
    }
}

/// GitLab matches `path` against the repository: use `/` and no leading `./`.
fn report_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut p = path.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_string()
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut issues = Vec::new();
    // Errors: check `rdock-error`, severity `blocker` (nothing was checked).
    for e in report.errors {
        let (line, _) = e.position();
        issues.push(Issue {
            description: e.message.clone(),
            check_name: "rdock-error",
            fingerprint: error_fingerprint(e),
            severity: "blocker",
            location: Location {
                path: report_path(e.path.as_deref().unwrap_or("")),
                lines: Lines {
                    begin: line,
                    end: line,
                },
            },
        });
    }
    for result in report.results {
        let path = report_path(&result.path);
        for (d, fingerprint) in result.diagnostics.iter().zip(fingerprints(result)) {
            let (start, end) = span_range(result, d.span);
            issues.push(Issue {
                description: format!("{} {}", d.code, d.message),
                check_name: d.code,
                fingerprint,
                severity: severity(d.severity),
                location: Location {
                    path: path.clone(),
                    lines: Lines {
                        begin: start.line,
                        end: end.line,
                    },
                },
            });
        }
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};
    use crate::diagnostic::{Diagnostic, Severity, Span};
    use crate::render::FileResult;

    #[test]
    fn gitlab() {
        insta::assert_snapshot!(fixtures::render_results(OutputFormat::Gitlab));
    }

    #[test]
    fn gitlab_fingerprints_survive_edits_above() {
        let finding = |text: &str| {
            let at = text.find("ubuntu").expect("fixture");
            let d = Diagnostic::new(
                "RD401",
                "untagged-image",
                Severity::Info,
                Span::new(at, at + 6),
                "Image `ubuntu` has no tag or digest",
            );
            let results = vec![FileResult::new("./Dockerfile", text, vec![d])];
            let out = render_to_string(OutputFormat::Gitlab, &results, &RenderOptions::default());
            let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
            value[0].clone()
        };
        let before = finding("FROM ubuntu\n");
        let after = finding("# syntax=docker/dockerfile:1\n\nFROM ubuntu\n");
        assert_eq!(before["fingerprint"], after["fingerprint"]);
        assert_eq!(before["location"]["lines"]["begin"], 1);
        assert_eq!(after["location"]["lines"]["begin"], 3);
        assert_eq!(after["location"]["path"], "Dockerfile");
    }

    #[test]
    fn gitlab_fingerprints_are_unique() {
        let text = "FROM ubuntu\nFROM ubuntu\n";
        let d = |at: usize| {
            Diagnostic::new(
                "RD401",
                "untagged-image",
                Severity::Info,
                Span::new(at, at + 6),
                "same",
            )
        };
        let results = vec![FileResult::new("Dockerfile", text, vec![d(5), d(17)])];
        let out = render_to_string(OutputFormat::Gitlab, &results, &RenderOptions::default());
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_ne!(value[0]["fingerprint"], value[1]["fingerprint"]);
    }

    /// Errors of the run (an unreadable file, a broken configuration, a fix
    /// not written, a bad flag) are in the report beside the findings.
    #[test]
    fn gitlab_errors() {
        let out = fixtures::render_errors(OutputFormat::Gitlab);
        insta::assert_snapshot!(out);
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(value.as_array().map(Vec::len), Some(5 + 4));
    }
}
