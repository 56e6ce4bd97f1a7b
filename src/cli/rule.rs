//! `rdock rule` and `rdock rules`.

use serde_json::json;

use super::{DocFormat, Exit};
use crate::rules::{self, RuleMeta};

fn meta_json(m: &RuleMeta) -> serde_json::Value {
    json!({
        "code": m.id,
        "slug": m.slug,
        "summary": m.summary,
        "family": m.family(),
        "severity": m.severity.as_str(),
        "fix": m.fix.as_str(),
        "default_enabled": m.default_enabled,
        "hadolint": m.hadolint,
        "buildkit": m.buildkit,
        "url": m.url(),
        "explanation": m.doc,
    })
}

pub fn rule(code: &str, format: DocFormat) -> Exit {
    let Some(m) = rules::lookup(code) else {
        let known = rules::metas().map(|m| m.id).collect::<Vec<_>>().join(", ");
        return super::fail(
            format!("unknown rule `{code}`"),
            &format!("rules are named by id or slug; `rdock rules` lists them ({known})"),
        );
    };
    match format {
        DocFormat::Text => print!("{}", m.doc),
        DocFormat::Json => println!("{:#}", meta_json(m)),
    }
    Exit::Ok
}

pub fn rules(format: DocFormat) -> Exit {
    match format {
        DocFormat::Text => {
            for m in rules::metas() {
                let fix = match m.fix {
                    rules::FixAvailability::None => " ",
                    _ => "*",
                };
                let on = if m.default_enabled { " " } else { "-" };
                println!(
                    "{} {fix}{on} {:<28} {:<8} {}",
                    m.id,
                    m.slug,
                    m.severity.as_str(),
                    m.summary
                );
            }
            println!("\n* fix available   - off by default (enable with --select or `select` in .rdock.toml)");
        }
        DocFormat::Json => {
            let all: Vec<_> = rules::metas().map(meta_json).collect();
            println!("{:#}", serde_json::Value::Array(all));
        }
    }
    Exit::Ok
}
