//! Formatting in the file's own style: what most of the file already does,
//! made consistent, without changing what BuildKit reads.
//!
//! - instruction keywords in the case most of the file uses (upper on a tie);
//! - one space between the keyword and its arguments;
//! - continuation lines indented as most continuation lines already are
//!   (only where the join is a word break outside quotes, so the logical
//!   line keeps its words);
//! - first lines of instructions unindented when most already are;
//! - no trailing spaces or tabs (never inside a heredoc body).
//!
//! Heredoc bodies and the text of instructions whose whitespace is part of
//! their value (`USER`, `WORKDIR`, legacy `ENV key value`, ...) are left as
//! written. The edits are `(span, replacement)` on the original text.

use super::ast::{Args, Dockerfile, Instruction, Kind, NodeKind};
use crate::text::Span;

/// The style of a file: what most of it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// Keywords in upper case (else lower case).
    pub upper: bool,
    /// The indentation of continuation lines, when the file has any.
    pub indent: Option<String>,
    /// Instruction lines start at the first column.
    pub unindented: bool,
}

/// What to change: `trailing` also strips trailing whitespace.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub trim_trailing_whitespace: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trim_trailing_whitespace: true,
        }
    }
}

/// One physical line: `start..end` is its content, `next` where the next starts.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

/// The lines of `text[span]`, without their terminators (`\r\n` or `\n`).
fn lines_in(text: &str, span: Span) -> Vec<Line> {
    let mut out = Vec::new();
    let mut at = span.start;
    while at < span.end {
        let nl = text[at..span.end].find('\n').map(|i| at + i);
        let next = nl.map_or(span.end, |i| i + 1);
        let mut end = nl.unwrap_or(span.end);
        if end > at && text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        out.push(Line { start: at, end });
        at = next;
    }
    out
}

fn lead_len(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t']).len()
}

/// The instructions that take part in the style: top-level, known keyword.
fn instructions(df: &Dockerfile) -> impl Iterator<Item = (Span, &Instruction)> {
    df.nodes.iter().filter_map(|n| match &n.kind {
        NodeKind::Instruction(i) if i.kind() != Kind::Unknown => Some((n.lines, i)),
        _ => None,
    })
}

/// Where the heredoc bodies of `inst` start (its logical lines end there).
fn logical_end(inst: &Instruction, node: Span) -> usize {
    let docs = match &inst.args {
        Args::Onbuild(sub) => &sub.heredocs,
        _ => &inst.heredocs,
    };
    docs.iter()
        .map(|d| d.content_span.start)
        .min()
        .unwrap_or(node.end)
}

/// The style most of the file follows.
pub fn style(text: &str, df: &Dockerfile) -> Style {
    let (mut upper, mut lower) = (0usize, 0usize);
    let (mut flush, mut indented) = (0usize, 0usize);
    let mut indents: Vec<(String, usize)> = Vec::new();
    for (node, inst) in instructions(df) {
        for kw in keywords(inst) {
            if kw.text.chars().all(|c| !c.is_ascii_lowercase()) {
                upper += 1;
            } else if kw.text.chars().all(|c| !c.is_ascii_uppercase()) {
                lower += 1;
            }
        }
        let lines = lines_in(text, Span::new(node.start, logical_end(inst, node)));
        if let Some(first) = lines.first() {
            if lead_len(&text[first.start..first.end]) == 0 {
                flush += 1;
            } else {
                indented += 1;
            }
        }
        for l in lines.iter().skip(1) {
            let s = &text[l.start..l.end];
            let lead = lead_len(s);
            if lead == 0 || lead == s.len() || s[lead..].starts_with('#') {
                continue;
            }
            let ws = &s[..lead];
            match indents.iter_mut().find(|(w, _)| w == ws) {
                Some((_, n)) => *n += 1,
                None => indents.push((ws.to_string(), 1)),
            }
        }
    }
    // The most common; on a tie the first seen.
    let mut indent: Option<(String, usize)> = None;
    for (w, n) in indents {
        if indent.as_ref().is_none_or(|(_, m)| n > *m) {
            indent = Some((w, n));
        }
    }
    Style {
        upper: upper >= lower,
        indent: indent.map(|(w, _)| w),
        unindented: flush >= indented,
    }
}

/// The keyword of `inst`, and of the instruction an `ONBUILD` holds.
fn keywords(inst: &Instruction) -> Vec<&super::ast::Keyword> {
    let mut out = vec![&inst.keyword];
    if let Args::Onbuild(sub) = &inst.args {
        if sub.kind() != Kind::Unknown {
            out.push(&sub.keyword);
        }
    }
    out
}

/// Whether the whitespace between words of `inst`'s arguments is only a
/// separator (outside quotes), so that a continuation line's indentation
/// can change without changing the arguments.
fn words_split_on_space(inst: &Instruction) -> bool {
    let inst = match &inst.args {
        Args::Onbuild(sub) => sub,
        _ => inst,
    };
    match &inst.args {
        Args::KeyValues { legacy, .. } => !legacy,
        Args::Text(_) | Args::Onbuild(_) => false,
        Args::None | Args::Exec(_) | Args::Shell(_) | Args::List(_) | Args::Healthcheck { .. } => {
            inst.kind() != Kind::Unknown
        }
    }
}

/// Quote state across the pieces of a logical line.
#[derive(Default)]
struct Quotes {
    single: bool,
    double: bool,
}

impl Quotes {
    /// Read `piece`; `json` when only double quotes quote (exec form).
    fn read(&mut self, piece: &str, json: bool) {
        let mut chars = piece.chars();
        while let Some(c) = chars.next() {
            if self.single {
                if c == '\'' {
                    self.single = false;
                }
            } else if self.double {
                if c == '\\' {
                    chars.next();
                } else if c == '"' {
                    self.double = false;
                }
            } else if c == '\\' {
                chars.next();
            } else if c == '"' {
                self.double = true;
            } else if c == '\'' && !json {
                self.single = true;
            }
        }
    }
    fn open(&self) -> bool {
        self.single || self.double
    }
}

/// The edits that format `text` (parsed as `df`), keeping those whose span
/// lies inside `only` when given (range formatting; the style is still the
/// whole file's).
pub fn edits(
    text: &str,
    df: &Dockerfile,
    only: Option<Span>,
    opts: Options,
) -> Vec<(Span, String)> {
    let style = style(text, df);
    let mut out: Vec<(Span, String)> = Vec::new();
    let trailing = |out: &mut Vec<(Span, String)>, l: Line| {
        if !opts.trim_trailing_whitespace {
            return;
        }
        let s = &text[l.start..l.end];
        let kept = s.trim_end_matches([' ', '\t']).len();
        if kept < s.len() {
            out.push((Span::new(l.start + kept, l.end), String::new()));
        }
    };
    for node in &df.nodes {
        let NodeKind::Instruction(inst) = &node.kind else {
            for l in lines_in(text, node.lines) {
                trailing(&mut out, l);
            }
            continue;
        };
        if inst.kind() == Kind::Unknown {
            continue;
        }
        let logical = lines_in(
            text,
            Span::new(node.lines.start, logical_end(inst, node.lines)),
        );
        for l in &logical {
            trailing(&mut out, *l);
        }
        let Some(first) = logical.first() else {
            continue;
        };
        let lead = lead_len(&text[first.start..first.end]);
        if style.unindented && lead > 0 {
            out.push((Span::new(first.start, first.start + lead), String::new()));
        }
        for kw in keywords(inst) {
            let written = &text[kw.span.range()];
            if written.contains(['\n', '\\', '`']) {
                continue;
            }
            let want = if style.upper {
                written.to_ascii_uppercase()
            } else {
                written.to_ascii_lowercase()
            };
            if want != written {
                out.push((kw.span, want));
            }
            // One space to the arguments, on the same line.
            let rest = &text[kw.span.end..];
            let ws = lead_len(rest);
            let after = rest[ws..].chars().next();
            if ws > 0 && &rest[..ws] != " " && !matches!(after, None | Some('\n' | '\r')) {
                out.push((Span::new(kw.span.end, kw.span.end + ws), " ".into()));
            }
        }
        continuation_indents(text, df.escape, inst, &logical, &style, &mut out);
    }
    if let Some(range) = only {
        out.retain(|(s, _)| s.start >= range.start && s.end <= range.end);
    }
    out.sort_by_key(|(s, _)| (s.start, s.end));
    out
}

/// Re-indent the continuation lines of `inst` (`logical`: its lines before
/// any heredoc body) to `style.indent`.
fn continuation_indents(
    text: &str,
    escape: char,
    inst: &Instruction,
    logical: &[Line],
    style: &Style,
    out: &mut Vec<(Span, String)>,
) {
    let Some(indent) = &style.indent else { return };
    if escape != '\\' || logical.len() < 2 || !words_split_on_space(inst) {
        return;
    }
    let json =
        inst.is_exec_form() || matches!(&inst.args, Args::Onbuild(sub) if sub.is_exec_form());
    let mut quotes = Quotes::default();
    // Whether the piece before the join ends in whitespace.
    let mut space_before = false;
    for (k, l) in logical.iter().enumerate() {
        let s = &text[l.start..l.end];
        let lead = lead_len(s);
        let content = &s[lead..];
        if k > 0 && (content.is_empty() || content.starts_with('#')) {
            // Dropped by BuildKit: a comment line's indent is free, an
            // empty line has none.
            if content.starts_with('#') && &s[..lead] != indent.as_str() {
                out.push((Span::new(l.start, l.start + lead), indent.clone()));
            }
            continue;
        }
        if k > 0 && !quotes.open() {
            let was_break = space_before || lead > 0;
            let will_break = space_before || !indent.is_empty();
            if was_break == will_break && &s[..lead] != indent.as_str() {
                out.push((Span::new(l.start, l.start + lead), indent.clone()));
            }
        }
        // The piece of the logical line: without the continuation escape.
        let body = s.trim_end_matches([' ', '\t']);
        let piece = match body.strip_suffix('\\') {
            Some(b) if !b.ends_with('\\') => b,
            _ => body,
        };
        let piece = if k == 0 { &piece[lead..] } else { piece };
        quotes.read(piece, json);
        space_before = piece.ends_with([' ', '\t']);
    }
}

/// `text` with `edits` (sorted, not overlapping) applied.
pub fn apply(text: &str, edits: &[(Span, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, rep) in edits {
        out.push_str(&text[at..span.start]);
        out.push_str(rep);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` formatted.
pub fn format(text: &str) -> String {
    let df = super::parse(text);
    apply(text, &edits(text, &df, None, Options::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_majority() {
        let text = "from alpine AS a  \nrun  echo hi \\\n      && true\nRUN x \\\n  && y \\\n  && z\n\tcopy . .\n";
        assert_eq!(
            format(text),
            "from alpine AS a\nrun echo hi \\\n  && true\nrun x \\\n  && y \\\n  && z\ncopy . .\n"
        );
        assert_eq!(format(&format(text)), format(text));
    }

    #[test]
    fn keeps_meaning() {
        // Inside quotes, a joined word, a heredoc body, a legacy ENV value.
        let text = "RUN echo \"a \\\n       b\" \\\n  && x\\\ny \\\n  && z\nRUN <<EOF  \n  keep   \nEOF\nENV A b \\\n      c\nUSER  me  \n";
        let out = format(text);
        assert!(out.contains("\"a \\\n       b\""), "{out}");
        assert!(out.contains("x\\\ny"), "{out}");
        assert!(out.contains("\n  keep   \n"), "{out}");
        assert!(out.contains("ENV A b \\\n      c"), "{out}");
        assert!(out.contains("USER me\n"), "{out}");
        assert!(out.contains("RUN <<EOF\n"), "{out}");
    }

    #[test]
    fn range_keeps_the_rest() {
        let text = "run a\nrun  b\nRUN c  \n";
        let df = crate::syntax::parse(text);
        let e = edits(text, &df, Some(Span::new(6, 13)), Options::default());
        assert_eq!(apply(text, &e), "run a\nrun b\nRUN c  \n");
    }
}
