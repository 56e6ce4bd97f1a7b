//! `sarif`: SARIF 2.1.0, shaped for GitHub code scanning.
//!
//! One run; `tool.driver.rules` lists every known rule, results point into it
//! by `ruleIndex`. Columns count Unicode code points (`columnKind`), and
//! `endColumn` is exclusive, as SARIF defines it.
//!
//! Errors (an input not linted, a fix not written) are
//! `invocations[0].toolExecutionNotifications` at level `error`, and make
//! `executionSuccessful` false; GitHub code scanning shows them as tool
//! errors of the upload.

use std::io::{self, Write};

use serde::Serialize;

use super::{find_rule, fingerprints, span_range, Report};
use super::{FileResult, RunError};
use crate::diagnostic::{Severity, Span};
use crate::rules::RuleMeta;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base URI id relative paths are resolved against.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    results: Vec<ResultOut<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<NotificationLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: NotificationPhysical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationPhysical {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<StartRegion>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartRegion {
    start_line: usize,
    start_column: usize,
}

fn notification(e: &RunError) -> Notification<'_> {
    Notification {
        level: "error",
        message: Text { text: &e.message },
        locations: e
            .path
            .iter()
            .map(|path| NotificationLocation {
                physical_location: NotificationPhysical {
                    artifact_location: artifact_location(path),
                    region: e.line_col.map(|(start_line, start_column)| StartRegion {
                        start_line,
                        start_column,
                    }),
                },
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help_uri: String,
    help: Help<'a>,
    default_configuration: DefaultConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: String,
    markdown: &'a str,
}

#[derive(Serialize)]
struct DefaultConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 1],
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<FixOut<'a>>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FixOut<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<Text<'a>>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "rdock/v1")]
    v1: String,
}

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

fn descriptor(rule: &'static RuleMeta) -> Descriptor<'static> {
    let url = rule.url();
    Descriptor {
        id: rule.id,
        name: rule.slug,
        short_description: Text { text: rule.summary },
        full_description: Text { text: rule.summary },
        help: Help {
            text: format!("{}\n\nSee {url}", rule.summary),
            markdown: rule.doc,
        },
        help_uri: url,
        default_configuration: DefaultConfiguration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: [rule.family()],
            precision: "very-high",
        },
    }
}

fn region(result: &FileResult, span: Span) -> Region {
    let (start, end) = span_range(result, span);
    Region {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// `path` as a SARIF `artifactLocation`: `\` becomes `/`; a relative path
/// stays relative to `%SRCROOT%`; an absolute one becomes a `file://` URI.
/// Characters a URI cannot hold are percent-encoded.
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with("//") {
        // A UNC path: `//server/share/...`.
        ArtifactLocation {
            uri: format!("file:{}", encode(&path, false)),
            uri_base_id: None,
        }
    } else if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode(&path, false)),
            uri_base_id: None,
        }
    } else if drive {
        ArtifactLocation {
            uri: format!("file:///{}", encode(&path, false)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            // A `:` in a relative reference would read as a scheme: encode it.
            uri: encode(&path, true),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// Percent-encode what may not appear in a URI path.
fn encode(path: &str, colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'/' | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
            || (b == b':' && !colon);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut sarif_results = Vec::new();
    for result in report.results {
        let artifact = artifact_location(&result.path);
        let prints = fingerprints(result);
        for (d, print) in result.diagnostics.iter().zip(prints) {
            let related_locations = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| Location {
                    id: Some(i + 1),
                    physical_location: PhysicalLocation {
                        artifact_location: artifact.clone(),
                        region: region(result, r.span),
                    },
                    message: Some(Text { text: &r.message }),
                })
                .collect();
            let fixes = d
                .fix
                .iter()
                .filter(|f| !f.edits.is_empty())
                .map(|f| FixOut {
                    description: Text { text: &f.title },
                    artifact_changes: [ArtifactChange {
                        artifact_location: artifact.clone(),
                        replacements: f
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: region(result, e.span),
                                inserted_content: (!e.replacement.is_empty()).then_some(Text {
                                    text: &e.replacement,
                                }),
                            })
                            .collect(),
                    }],
                    properties: FixProperties {
                        applicability: f.applicability.as_str(),
                    },
                })
                .collect();
            sarif_results.push(ResultOut {
                rule_id: d.code,
                rule_index: find_rule(report.rules, d.code).map(|(i, _)| i),
                level: level(d.severity),
                message: Text { text: &d.message },
                locations: [Location {
                    id: None,
                    physical_location: PhysicalLocation {
                        artifact_location: artifact.clone(),
                        region: region(result, d.span),
                    },
                    message: None,
                }],
                related_locations,
                fixes,
                partial_fingerprints: Fingerprints { v1: print },
            });
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "rdock",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: crate::rules::REPOSITORY,
                    rules: report.rules.iter().map(|r| descriptor(r)).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: report.errors.iter().map(notification).collect(),
            }],
            results: sarif_results,
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::fixtures::{self, render_to_string};
    use super::super::{OutputFormat, RenderOptions};
    use super::artifact_location;

    fn sarif(results: &[crate::FileResult]) -> String {
        render_to_string(OutputFormat::Sarif, results, &RenderOptions::default())
    }

    #[test]
    fn sarif_snapshot() {
        let out = sarif(&fixtures::results()).replace(
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\": \"[VERSION]\"",
        );
        insta::assert_snapshot!("sarif", out);
    }

    #[test]
    fn sarif_empty() {
        let value: Value = serde_json::from_str(&sarif(&[])).expect("valid JSON");
        assert_eq!(value["runs"][0]["results"], Value::Array(Vec::new()));
        assert_eq!(
            value["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .map(Vec::len),
            Some(fixtures::rules().len())
        );
    }

    /// What GitHub code scanning needs of an upload.
    #[test]
    fn sarif_has_what_code_scanning_needs() {
        let value: Value = serde_json::from_str(&sarif(&fixtures::results())).expect("valid JSON");
        assert_eq!(value["version"], "2.1.0");
        assert_eq!(value["$schema"], super::SCHEMA);
        let runs = value["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "rdock");
        assert!(driver["version"].is_string());
        assert!(driver["informationUri"].is_string());

        let rules = driver["rules"].as_array().expect("rules");
        let metas = fixtures::rules();
        assert_eq!(rules.len(), metas.len());
        for (rule, meta) in rules.iter().zip(&metas) {
            assert_eq!(rule["id"], meta.id);
            assert!(rule["shortDescription"]["text"].is_string());
            assert!(rule["fullDescription"]["text"].is_string());
            assert!(rule["help"]["text"].is_string());
            assert_eq!(rule["helpUri"], meta.url());
            let level = rule["defaultConfiguration"]["level"]
                .as_str()
                .expect("level");
            assert!(["error", "warning", "note"].contains(&level));
            assert_eq!(rule["properties"]["precision"], "very-high");
        }

        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), 4);
        for result in results {
            let id = result["ruleId"].as_str().expect("ruleId");
            let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
            assert!(result["message"]["text"].is_string());
            let level = result["level"].as_str().expect("level");
            assert!(["error", "warning", "note"].contains(&level));
            let loc = &result["locations"][0]["physicalLocation"];
            assert!(loc["artifactLocation"]["uri"].is_string());
            assert!(loc["region"]["startLine"].as_u64().expect("startLine") >= 1);
            assert!(loc["region"]["startColumn"].as_u64().expect("startColumn") >= 1);
            let fp = result["partialFingerprints"]["rdock/v1"]
                .as_str()
                .expect("fingerprint");
            assert_eq!(fp.len(), 32);
        }

        // The warning on the non-ASCII line counts characters, not bytes.
        let warn = &results[2];
        assert_eq!(warn["ruleId"], "RD302");
        let region = &warn["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 2);
        assert_eq!(region["startColumn"], 29);
        assert_eq!(region["endColumn"], 49);
        // The error's related location and fix.
        let err = &results[0];
        assert_eq!(err["relatedLocations"][0]["id"], 1);
        assert_eq!(
            err["relatedLocations"][0]["message"]["text"],
            "stage `build` is declared here"
        );
        let change = &err["fixes"][0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "Dockerfile");
        assert_eq!(
            change["replacements"][0]["insertedContent"]["text"],
            "build"
        );
    }

    #[test]
    fn sarif_unknown_rule_has_no_index() {
        let value: Value = serde_json::from_str(&sarif(&fixtures::hostile())).expect("valid JSON");
        let result = &value["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "RD999");
        assert!(result.get("ruleIndex").is_none());
    }

    #[test]
    fn artifact_uris() {
        let loc = |p: &str| {
            let a = artifact_location(p);
            (a.uri, a.uri_base_id)
        };
        assert_eq!(
            loc("services/api/Dockerfile"),
            ("services/api/Dockerfile".into(), Some("%SRCROOT%"))
        );
        assert_eq!(
            loc("services\\api\\Dockerfile"),
            ("services/api/Dockerfile".into(), Some("%SRCROOT%"))
        );
        assert_eq!(
            loc("./my dir/Dockerfile"),
            ("./my%20dir/Dockerfile".into(), Some("%SRCROOT%"))
        );
        assert_eq!(loc("ab:c/Dockerfile").0, "ab%3Ac/Dockerfile");
        assert_eq!(
            loc("/srv/app/Dockerfile"),
            ("file:///srv/app/Dockerfile".into(), None)
        );
        assert_eq!(
            loc("C:\\work\\Dockerfile"),
            ("file:///C:/work/Dockerfile".into(), None)
        );
        assert_eq!(
            loc("\\\\host\\share\\Dockerfile").0,
            "file://host/share/Dockerfile"
        );
        assert_eq!(loc("café/Dockerfile").0, "caf%C3%A9/Dockerfile");
    }

    /// Errors are the run's tool execution notifications, and the run did
    /// not succeed.
    #[test]
    fn sarif_errors() {
        let out = super::super::fixtures::render_with_errors(
            OutputFormat::Sarif,
            &fixtures::clean(),
            &fixtures::errors(),
            &RenderOptions::default(),
        );
        let value: Value = serde_json::from_str(&out).expect("valid JSON");
        insta::assert_snapshot!(
            serde_json::to_string_pretty(&value["runs"][0]["invocations"]).unwrap()
        );
        assert_eq!(value["runs"][0]["results"], Value::Array(Vec::new()));
        // Without errors the run succeeded, and says so.
        let value: Value = serde_json::from_str(&sarif(&fixtures::results())).expect("valid JSON");
        assert_eq!(
            value["runs"][0]["invocations"][0]["executionSuccessful"],
            true
        );
        assert_eq!(
            value["runs"][0]["invocations"][0].get("toolExecutionNotifications"),
            None
        );
    }
}
