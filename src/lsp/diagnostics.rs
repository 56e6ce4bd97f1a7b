//! `crate::Diagnostic` -> LSP diagnostics: range, rule id, doc link, related
//! information and the fix in `data`.

use std::str::FromStr;

use serde_json::json;
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

pub fn to_lsp(d: &Diagnostic, conv: &Converter<'_>, uri: &lsp::Uri) -> lsp::Diagnostic {
    let code_description = rules::lookup(d.code)
        .and_then(|m| lsp::Uri::from_str(&m.url()).ok())
        .map(|href| lsp::CodeDescription { href });
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
    let data = d.fix.as_ref().map(|f| {
        json!({
            "fix": {
                "title": f.title,
                "applicability": f.applicability.as_str(),
                "edits": f.edits.iter().map(|e| json!({
                    "range": conv.range(e.span),
                    "newText": e.replacement,
                })).collect::<Vec<_>>(),
            }
        })
    });
    lsp::Diagnostic {
        range: conv.range(d.span),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description,
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: (d.slug == "unreachable-stage").then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
        data,
    }
}
