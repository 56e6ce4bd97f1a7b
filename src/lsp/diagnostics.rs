//! `crate::Diagnostic` -> LSP diagnostics: range, rule id, doc link, related
//! information and the fix in `data`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::Serialize;
use tower_lsp_server::ls_types as lsp;

use super::convert::Converter;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules;

pub const SOURCE: &str = "rdock";

pub fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Style => lsp::DiagnosticSeverity::HINT,
    }
}

/// A diagnostic as rdock publishes it: the LSP diagnostic (its `data`
/// empty) and the fix that goes in `data`, typed, so that a push of a
/// thousand diagnostics serializes straight to bytes instead of through a
/// `serde_json::Value` per fix.
#[derive(Serialize)]
pub struct Published {
    #[serde(flatten)]
    pub diagnostic: lsp::Diagnostic,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
}

/// `data` of a diagnostic: `{"fix": {"title", "applicability", "edits"}}`.
#[derive(Serialize)]
pub struct Data {
    pub fix: FixData,
}

#[derive(Serialize)]
pub struct FixData {
    pub title: String,
    pub applicability: &'static str,
    pub edits: Vec<lsp::TextEdit>,
}

/// The LSP form of `d`, with its fix in `data` as a JSON value.
pub fn to_lsp(d: &Diagnostic, conv: &Converter<'_>, uri: &lsp::Uri) -> lsp::Diagnostic {
    into_lsp(published(d, conv, uri))
}

fn into_lsp(p: Published) -> lsp::Diagnostic {
    let Published {
        mut diagnostic,
        data,
    } = p;
    diagnostic.data = data.and_then(|data| serde_json::to_value(data).ok());
    diagnostic
}

/// What the client is sent for `d`: its LSP form, then, when `d` shows
/// code to be dead, a hint tagged `Unnecessary` over that code. Editors
/// fade such a hint without a squiggle (VS Code also leaves hints out of
/// the Problems panel), while the finding itself stays underlined where it
/// is (an unreachable stage's `FROM`): fading the finding's own range would
/// fade only that line, and widening it would underline the whole stage.
pub fn published_all<'a>(
    d: &'a Diagnostic,
    conv: &'a Converter<'_>,
    uri: &lsp::Uri,
) -> impl Iterator<Item = Published> + 'a {
    std::iter::once(published(d, conv, uri)).chain(faded(d, conv))
}

/// [`published_all`], as `lsp::Diagnostic`s (the pull model's answer).
pub fn to_lsp_all(d: &Diagnostic, conv: &Converter<'_>, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
    published_all(d, conv, uri).map(into_lsp).collect()
}

/// The hint that fades the code `d` shows to be dead.
fn faded(d: &Diagnostic, conv: &Converter<'_>) -> Option<Published> {
    let span = d.unused?;
    Some(Published {
        diagnostic: lsp::Diagnostic {
            range: conv.range(span),
            severity: Some(lsp::DiagnosticSeverity::HINT),
            // No code: it is not a second finding (filters, counts and
            // "ignore RD101" are about the finding itself).
            code: None,
            code_description: None,
            source: Some(SOURCE.to_string()),
            message: d.message.clone(),
            related_information: None,
            tags: Some(vec![lsp::DiagnosticTag::UNNECESSARY]),
            data: None,
        },
        data: None,
    })
}

/// A rule's doc link, parsed once per rule.
fn code_description(code: &str) -> Option<lsp::CodeDescription> {
    static LINKS: OnceLock<HashMap<&'static str, lsp::Uri>> = OnceLock::new();
    let links = LINKS.get_or_init(|| {
        rules::metas()
            .filter_map(|m| Some((m.id, lsp::Uri::from_str(&m.url()).ok()?)))
            .collect()
    });
    links
        .get(code)
        .map(|href| lsp::CodeDescription { href: href.clone() })
}

/// The LSP form of `d` as it is published.
pub fn published(d: &Diagnostic, conv: &Converter<'_>, uri: &lsp::Uri) -> Published {
    let related: Vec<_> = d
        .related
        .iter()
        .map(|r| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), conv.range(r.span)),
            message: r.message.clone(),
        })
        .collect();
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let data = d.fix.as_ref().map(|f| Data {
        fix: FixData {
            title: f.title.clone(),
            applicability: f.applicability.as_str(),
            edits: f
                .edits
                .iter()
                .map(|e| lsp::TextEdit::new(conv.range(e.span), e.replacement.clone()))
                .collect(),
        },
    });
    Published {
        diagnostic: lsp::Diagnostic {
            range: conv.range(d.span),
            severity: Some(severity(d.severity)),
            code: Some(lsp::NumberOrString::String(d.code.to_string())),
            code_description: code_description(d.code),
            source: Some(SOURCE.to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            // Dead code with its extent known is faded by the hint of
            // `published_all`; without it, the finding's own range is.
            tags: (d.unused.is_none()
                && crate::rules::lookup(d.code).is_some_and(|m| m.unused_code))
            .then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
            data: None,
        },
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushed (typed) and pulled (`lsp::Diagnostic`) diagnostics are the same JSON.
    #[test]
    fn published_and_lsp_forms_agree() {
        let text = "FROM alpine:3.19 AS Build\nmaintainer me\nRUN cd /x && make\nFROM build\n";
        let settings = crate::settings::Settings::resolve(
            None,
            &crate::settings::Overrides {
                select: Some(vec!["ALL".into()]),
                ..Default::default()
            },
        );
        let diags = crate::check(text, &settings);
        assert!(diags.iter().filter(|d| d.fix.is_some()).count() >= 2);
        let index = crate::line_index::LineIndex::new(text);
        let conv = Converter::new(text, &index, super::super::convert::Encoding::Utf16);
        let uri = lsp::Uri::from_str("file:///x/Dockerfile").unwrap();
        for d in &diags {
            let a = serde_json::to_value(published(d, &conv, &uri)).unwrap();
            let b = serde_json::to_value(to_lsp(d, &conv, &uri)).unwrap();
            assert_eq!(a, b);
            assert_eq!(a["data"]["fix"].is_object(), d.fix.is_some());
            assert!(a["codeDescription"]["href"]
                .as_str()
                .unwrap()
                .ends_with(".md"));
        }
    }
}
