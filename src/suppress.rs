//! Suppression comments:
//! - `# rdock ignore=RD101,unreachable-stage` in the comments directly above an instruction;
//! - `# rdock global ignore=RD101` anywhere, for the whole file;
//! - `# hadolint ignore=DL3008` and `# hadolint global ignore=...`, for rules mapped to hadolint's;
//! - the `# check=skip=Rule,...` (or `skip=all`) directive, for rules mapped to BuildKit's checks.

use crate::diagnostic::{Diagnostic, Span};
use crate::fix::Edit;
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
    /// Whether a comment whose scope holds `d` has a code that `names`
    /// the finding's rule (the rules decide: `RuleMeta::is_named_by`; this
    /// module knows the comment syntax only).
    pub fn is_suppressed(&self, d: &Diagnostic, names: impl Fn(&Code) -> bool) -> bool {
        self.list.iter().any(|s| {
            s.scope
                .is_none_or(|scope| scope.start <= d.span.start && d.span.start <= scope.end)
                && s.codes.iter().any(&names)
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

/// The edit that suppresses `code` for the instruction holding `offset`
/// (an editor's "ignore for this line"): the code added to the `# rdock
/// ignore=` comment right above it, else a new comment line, indented like
/// the instruction and ended like the file's lines.
pub fn ignore_edit(ast: &Dockerfile, text: &str, offset: usize, code: &str) -> Edit {
    let at = suppression_point(ast, text, offset);
    match extend_ignore_above(text, at) {
        Some((pos, comma)) => {
            let sep = if comma { "," } else { "" };
            Edit::replace(Span::new(pos, pos), format!("{sep}{code}"))
        }
        None => {
            let indent: String = text[at..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let newline = if text[at..].contains("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            Edit::replace(
                Span::new(at, at),
                format!("{indent}# rdock ignore={code}{newline}"),
            )
        }
    }
}

/// Where `# rdock ignore=` goes for a finding at `offset`: the start of the
/// instruction that holds it (suppressions apply to the instruction below
/// them), else the start of its line.
fn suppression_point(ast: &Dockerfile, text: &str, offset: usize) -> usize {
    for node in &ast.nodes {
        if node.lines.start <= offset && offset < node.lines.end.max(node.lines.start + 1) {
            if let NodeKind::Instruction(_) = node.kind {
                return node.lines.start;
            }
        }
    }
    text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// When the line above `at` (an instruction's start) is a
/// `# rdock ignore=LIST` comment for that instruction, where a code goes at
/// the end of its list, and whether it needs a comma before it.
fn extend_ignore_above(text: &str, at: usize) -> Option<(usize, bool)> {
    let above_end = at.checked_sub(1)?;
    let line_start = text[..above_end].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..above_end].trim_end_matches('\r');
    let hash = line.find('#')?;
    if !line[..hash].trim().is_empty() {
        return None;
    }
    let body = &line[hash + 1..];
    if !body.trim_start().to_ascii_lowercase().starts_with("rdock") {
        return None;
    }
    let (global, _) = parse_comment(body)?;
    if global {
        return None;
    }
    // The list starts after `ignore`, `=` and blanks, and ends at a blank.
    let after_ignore = body.find("ignore")? + "ignore".len();
    let eq = after_ignore + body[after_ignore..].find('=')?;
    let list_start = eq + 1 + (body[eq + 1..].len() - body[eq + 1..].trim_start().len());
    let list_len = body[list_start..]
        .find(char::is_whitespace)
        .unwrap_or(body.len() - list_start);
    let list = &body[list_start..list_start + list_len];
    Some((
        line_start + hash + 1 + list_start + list_len,
        !list.ends_with(','),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_the_ignore_comment_above() {
        // The text up to where a code goes, and whether it needs a comma.
        for (text, want) in [
            (
                "FROM a\n  # rdock ignore=RD101  the reason\nRUN x\n",
                ("FROM a\n  # rdock ignore=RD101", true),
            ),
            (
                "FROM a\r\n# rdock ignore = RD101,\r\nRUN x\r\n",
                ("FROM a\r\n# rdock ignore = RD101,", false),
            ),
        ] {
            let at = text.find("RUN").unwrap();
            let (pos, comma) = extend_ignore_above(text, at).unwrap();
            assert_eq!((&text[..pos], comma), want);
        }
        for above in [
            "# rdock global ignore=RD101\n",
            "# hadolint ignore=DL3008\n",
            "# a comment\n",
            "ENV A=1 # rdock ignore=RD101\n",
            "\n",
        ] {
            let text = format!("FROM a\n{above}RUN x\n");
            let at = text.find("RUN").unwrap();
            assert_eq!(extend_ignore_above(&text, at), None, "{above}");
        }
        assert_eq!(extend_ignore_above("RUN x\n", 0), None);
    }

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
