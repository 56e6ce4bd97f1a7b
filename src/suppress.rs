//! Suppression comments:
//! - `# rdock ignore=RD101,unreachable-stage` in the comments directly above an instruction;
//! - `# rdock global ignore=RD101` anywhere, for the whole file;
//! - `# hadolint ignore=DL3008` and `# hadolint global ignore=...`, for rules mapped to hadolint's;
//! - the `# check=skip=Rule,...` (or `skip=all`) directive, for rules mapped to BuildKit's checks.

use crate::diagnostic::{Diagnostic, Span};
use crate::rules::{self, RuleMeta};
use crate::syntax::{Comment, Dockerfile, NodeKind};

/// One `ignore=` list and where it applies.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The comment.
    pub comment: Span,
    /// `None` for the whole file.
    pub scope: Option<Span>,
    pub codes: Vec<Code>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// An rdock id, prefix or slug, or `ALL`.
    Rdock(String),
    Hadolint(String),
    Buildkit(String),
}

impl Code {
    fn matches(&self, meta: &RuleMeta) -> bool {
        match self {
            Code::Rdock(sel) => rules::matching(sel).iter().any(|m| m.id == meta.id),
            Code::Hadolint(code) => meta.hadolint.iter().any(|h| h.eq_ignore_ascii_case(code)),
            Code::Buildkit(name) => {
                name.eq_ignore_ascii_case("all")
                    || meta.buildkit.is_some_and(|b| b.eq_ignore_ascii_case(name))
            }
        }
    }
}

/// Every suppression in a file.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    pub list: Vec<Suppression>,
    /// `# check=error=true`: BuildKit-equivalent findings become errors.
    pub check_error: bool,
}

impl Suppressions {
    pub fn from_ast(ast: &Dockerfile) -> Suppressions {
        let mut out = Suppressions::default();
        if let Some(d) = ast.directive("check") {
            for part in d.value.split(';') {
                let Some((k, v)) = part.split_once('=') else {
                    continue;
                };
                match k.trim() {
                    "skip" => out.list.push(Suppression {
                        comment: d.span,
                        scope: None,
                        codes: v
                            .split(',')
                            .map(|s| Code::Buildkit(s.trim().to_string()))
                            .filter(|c| *c != Code::Buildkit(String::new()))
                            .collect(),
                    }),
                    "error" => out.check_error = v.trim().eq_ignore_ascii_case("true"),
                    _ => {}
                }
            }
        }
        // Comments directly above an instruction apply to it.
        let mut pending: Vec<(Span, bool, Vec<Code>)> = Vec::new();
        let push_comment = |c: &Comment, pending: &mut Vec<(Span, bool, Vec<Code>)>| {
            if let Some((global, codes)) = parse_comment(&c.text) {
                pending.push((c.span, global, codes));
            }
        };
        for node in &ast.nodes {
            match &node.kind {
                NodeKind::Comment(c) => push_comment(c, &mut pending),
                NodeKind::Instruction(inst) => {
                    for (span, global, codes) in pending.drain(..) {
                        out.list.push(Suppression {
                            comment: span,
                            scope: (!global).then_some(inst.span),
                            codes,
                        });
                    }
                    for c in &inst.comments {
                        if let Some((true, codes)) = parse_comment(&c.text) {
                            out.list.push(Suppression {
                                comment: c.span,
                                scope: None,
                                codes,
                            });
                        }
                    }
                }
                NodeKind::Blank | NodeKind::Directive(_) => {
                    // A blank line detaches line comments; global ones still count.
                    for (span, global, codes) in pending.drain(..) {
                        if global {
                            out.list.push(Suppression {
                                comment: span,
                                scope: None,
                                codes,
                            });
                        }
                    }
                }
            }
        }
        for (span, global, codes) in pending {
            if global {
                out.list.push(Suppression {
                    comment: span,
                    scope: None,
                    codes,
                });
            }
        }
        out
    }

    /// Whether `d` (of rule `meta`) is suppressed.
    pub fn is_suppressed(&self, d: &Diagnostic, meta: &RuleMeta) -> bool {
        self.list.iter().any(|s| {
            s.scope
                .is_none_or(|scope| scope.start <= d.span.start && d.span.start <= scope.end)
                && s.codes.iter().any(|c| c.matches(meta))
        })
    }
}

/// `rdock ignore=...`, `rdock global ignore=...`, `hadolint ignore=...`,
/// `hadolint global ignore=...` (text after `#`). Returns (global, codes).
pub fn parse_comment(text: &str) -> Option<(bool, Vec<Code>)> {
    let t = text.trim();
    let (tool, rest) = t.split_once(char::is_whitespace)?;
    let tool = tool.to_ascii_lowercase();
    if tool != "rdock" && tool != "hadolint" {
        return None;
    }
    let rest = rest.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let list = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    // The list ends at the first whitespace: anything after is a reason.
    let list = list.split(char::is_whitespace).next().unwrap_or("");
    let codes: Vec<Code> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if tool == "rdock" {
                Code::Rdock(s.to_string())
            } else {
                Code::Hadolint(s.to_string())
            }
        })
        .collect();
    (!codes.is_empty()).then_some((global, codes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_comments() {
        assert_eq!(
            parse_comment(" rdock ignore=RD101,unreachable-stage  because"),
            Some((
                false,
                vec![
                    Code::Rdock("RD101".into()),
                    Code::Rdock("unreachable-stage".into())
                ]
            ))
        );
        assert_eq!(
            parse_comment(" hadolint global ignore=DL3008"),
            Some((true, vec![Code::Hadolint("DL3008".into())]))
        );
        assert_eq!(parse_comment(" rdock is great"), None);
        assert_eq!(parse_comment(" ignore=RD101"), None);
    }
}
