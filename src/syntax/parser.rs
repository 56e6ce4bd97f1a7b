//! The parser: BuildKit's line reader (`frontend/dockerfile/parser`) and its
//! per-instruction argument readers, rewritten to keep byte spans, comments
//! and blank lines, and to never fail.

use super::ast::*;
use super::json::{self, JsonArgs};
use super::logical::{is_space, is_split_space, split_fields, trim_bounds, Logical};
use crate::text::Span;

/// A physical line: `start..end` is its content (no `\n`, no `\r` before it),
/// `next` is where the following line starts.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

fn split_lines(text: &str, from: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = from;
    while start < text.len() {
        let nl = bytes[start..].iter().position(|&b| b == b'\n');
        let (content_end, next) = match nl {
            Some(i) => (start + i, start + i + 1),
            None => (text.len(), text.len()),
        };
        let end = if content_end > start && bytes[content_end - 1] == b'\r' {
            content_end - 1
        } else {
            content_end
        };
        lines.push(Line { start, end, next });
        start = next;
    }
    lines
}

/// Parse a Dockerfile. Never fails: what cannot be read becomes a [`SyntaxError`].
pub fn parse(text: &str) -> Dockerfile {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let lines = split_lines(text, bom);
    let mut p = Parser {
        text,
        lines: &lines,
        escape: '\\',
        out: Dockerfile {
            directives: Vec::new(),
            escape: '\\',
            nodes: Vec::new(),
            errors: Vec::new(),
            empty_continuation_lines: Vec::new(),
            bom,
        },
    };
    p.run();
    // The first node also owns the byte order mark, so nodes cover the text;
    // a file of nothing but the mark is one blank line.
    match p.out.nodes.first_mut() {
        Some(first) => first.lines.start = 0,
        None if bom > 0 => p.out.nodes.push(Node {
            lines: Span::new(0, text.len()),
            kind: NodeKind::Blank,
        }),
        None => {}
    }
    p.out.escape = p.escape;
    p.out
}

struct Parser<'a> {
    text: &'a str,
    lines: &'a [Line],
    escape: char,
    out: Dockerfile,
}

impl<'a> Parser<'a> {
    fn content(&self, line: Line) -> &'a str {
        &self.text[line.start..line.end]
    }

    fn run(&mut self) {
        let mut i = 0;
        let mut directives_open = true;
        while i < self.lines.len() {
            let line = self.lines[i];
            let content = self.content(line);
            let lead = content.len() - content.trim_start_matches(is_space).len();
            let trimmed = &content[lead..];
            if directives_open {
                match self.directive(line.start + lead, trimmed) {
                    Some(d) => {
                        self.push(line.start, line.next, NodeKind::Directive(d));
                        i += 1;
                        continue;
                    }
                    None => directives_open = false,
                }
            }
            if let Some(text) = trimmed.strip_prefix('#') {
                let comment = Comment {
                    span: Span::new(line.start + lead, line.end),
                    text: text.to_string(),
                };
                self.push(line.start, line.next, NodeKind::Comment(comment));
                i += 1;
                continue;
            }
            if trimmed.is_empty() {
                self.push(line.start, line.next, NodeKind::Blank);
                i += 1;
                continue;
            }
            i = self.instruction(i, lead);
        }
    }

    fn push(&mut self, start: usize, end: usize, kind: NodeKind) {
        self.out.nodes.push(Node {
            lines: Span::new(start, end),
            kind,
        });
    }

    /// `# name=value` while directives are still allowed. `None` ends them.
    fn directive(&mut self, at: usize, trimmed: &str) -> Option<Directive> {
        // BuildKit: ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$
        let rest = trimmed.strip_prefix('#')?;
        let name_off = rest.len() - rest.trim_start().len();
        let after_ws = &rest[name_off..];
        let name_len = after_ws
            .char_indices()
            .take_while(|&(i, c)| {
                if i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
            .count();
        if name_len == 0 {
            return None;
        }
        let name = &after_ws[..name_len];
        let after_name = &after_ws[name_len..];
        let eq_ws = after_name.len() - after_name.trim_start().len();
        let after_eq = after_name[eq_ws..].strip_prefix('=')?;
        let val_ws = after_eq.len() - after_eq.trim_start().len();
        let value = after_eq[val_ws..].trim_end();
        if value.is_empty() {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        if !matches!(lower.as_str(), "syntax" | "escape" | "check") {
            return None;
        }
        let name_start = at + 1 + name_off;
        let value_start = name_start + name_len + eq_ws + 1 + val_ws;
        let d = Directive {
            span: Span::new(at, value_start + value.len()),
            name: lower.clone(),
            name_span: Span::new(name_start, name_start + name_len),
            value: value.to_string(),
            value_span: Span::new(value_start, value_start + value.len()),
        };
        if self.out.directives.iter().any(|x| x.name == lower) {
            self.error(
                d.span,
                format!("only one `{lower}` parser directive can be used"),
                Some("remove the repeated directive".into()),
            );
            return Some(d);
        }
        if lower == "escape" {
            match value {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => self.error(
                    d.value_span,
                    format!("invalid escape token `{value}` does not validate"),
                    Some("the escape directive takes `\\` or `` ` ``".into()),
                ),
            }
        }
        self.out.directives.push(d.clone());
        Some(d)
    }

    fn error(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        self.out.errors.push(SyntaxError {
            span,
            message: message.into(),
            help,
        });
    }

    /// BuildKit's `trimContinuationCharacter`: strips `\[ \t]*$`.
    fn trim_continuation(&self, s: &'a str) -> (&'a str, bool) {
        // `([^\\])\\[ \t]*$|^\\[ \t]*$`: an escaped escape does not continue.
        let body = s.trim_end_matches([' ', '\t']);
        match body.strip_suffix(self.escape) {
            Some(b) if !b.ends_with(self.escape) => (b, false),
            _ => (s, true),
        }
    }

    /// Read the instruction starting on line `i`; returns the next line index.
    fn instruction(&mut self, first: usize, lead: usize) -> usize {
        let line = self.lines[first];
        let first_text = &self.content(line)[lead..];
        let mut logical = Logical::default();
        let (piece, mut done) = self.trim_continuation(first_text);
        logical.push(piece, line.start + lead);
        let mut comments = Vec::new();
        let mut j = first + 1;
        while !done && j < self.lines.len() {
            let l = self.lines[j];
            let c = self.content(l);
            let t = c.trim_start_matches(is_space);
            j += 1;
            if let Some(text) = t.strip_prefix('#') {
                comments.push(Comment {
                    span: Span::new(l.end - t.len(), l.end),
                    text: text.to_string(),
                });
                continue;
            }
            if t.is_empty() {
                self.out
                    .empty_continuation_lines
                    .push(Span::new(l.start, l.next));
                continue;
            }
            let (piece, d) = self.trim_continuation(c);
            logical.push(piece, l.start);
            done = d;
        }
        let last_line = self.lines[j - 1];
        if logical.text.trim().is_empty() {
            // Only continuation characters: BuildKit skips it.
            self.push(line.start, last_line.next, NodeKind::Blank);
            return j;
        }
        let mut inst = self.node_from_line(&logical, 0, logical.text.len(), comments);
        let mut end = last_line.end;
        let mut last_next = last_line.next;
        let heredoc_kind = match &inst.args {
            Args::Onbuild(sub) => sub.kind(),
            _ => inst.kind(),
        };
        let is_exec = match &inst.args {
            Args::Onbuild(sub) => sub.is_exec_form(),
            _ => inst.is_exec_form(),
        };
        if heredoc_kind.takes_heredocs() && !is_exec && logical.text.contains("<<") {
            for opener in heredoc_openers(&logical.text) {
                let mut doc = Heredoc {
                    opener: logical.span(opener.start, opener.end),
                    name: opener.name,
                    fd: opener.fd,
                    chomp: opener.chomp,
                    expand: opener.expand,
                    content: String::new(),
                    content_span: Span::empty(last_next),
                    terminator: None,
                };
                let body_start = last_next;
                while j < self.lines.len() {
                    let l = self.lines[j];
                    j += 1;
                    let c = self.content(l);
                    let candidate = if doc.chomp {
                        c.trim_start_matches('\t')
                    } else {
                        c
                    };
                    if candidate == doc.name {
                        doc.terminator = Some(Span::new(l.start, l.end));
                        doc.content_span = Span::new(body_start, l.start);
                        end = l.end;
                        last_next = l.next;
                        break;
                    }
                    end = l.end;
                    last_next = l.next;
                }
                if doc.terminator.is_none() {
                    doc.content_span = Span::new(body_start, last_next);
                    self.error(
                        doc.opener,
                        format!("unterminated heredoc `{}`", doc.name),
                        Some(format!(
                            "end the here-document with a line that holds only `{}`",
                            doc.name
                        )),
                    );
                }
                doc.content = self.text[doc.content_span.range()].to_string();
                match &mut inst.args {
                    Args::Onbuild(sub) => sub.heredocs.push(doc),
                    _ => inst.heredocs.push(doc),
                }
            }
        }
        inst.span = Span::new(inst.keyword.span.start, end.max(inst.span.end));
        if let Args::Onbuild(sub) = &mut inst.args {
            sub.span.end = sub.span.end.max(end);
        }
        self.push(line.start, last_next, NodeKind::Instruction(inst));
        j
    }

    /// BuildKit's `newNodeFromLine` over the logical range `from..to`.
    fn node_from_line(
        &mut self,
        lg: &Logical,
        from: usize,
        to: usize,
        comments: Vec<Comment>,
    ) -> Instruction {
        let s = &lg.text;
        let (start, end) = trim_bounds(s, from, to);
        let kw_end = s[start..end]
            .char_indices()
            .find(|&(_, c)| is_split_space(c))
            .map_or(end, |(i, _)| start + i);
        let kw_text = &s[start..kw_end];
        let kind = Kind::from_keyword(kw_text);
        let keyword = Keyword {
            kind,
            span: lg.span(start, kw_end),
            text: kw_text.to_string(),
        };
        let rest_start = kw_end
            + s[kw_end..end]
                .char_indices()
                .find(|&(_, c)| !is_split_space(c))
                .map_or(end - kw_end, |(i, _)| i);
        let (flags_raw, args_from) = extract_flags(s, rest_start, end);
        let flags = flags_raw
            .into_iter()
            .map(|f| Flag {
                span: lg.span(f.start, f.end),
                name_span: lg.span(f.name.0, f.name.1),
                value_span: f.value_range.map(|(a, b)| lg.span(a, b)),
                name: f.name_text,
                value: f.value,
            })
            .collect();
        let (a0, a1) = trim_bounds(s, args_from, end);
        let mut inst = Instruction {
            span: lg.span(start, end),
            keyword,
            flags,
            args: Args::None,
            args_span: lg.span(a0, a1),
            args_text: s[a0..a1].to_string(),
            args_pieces: lg.pieces(a0, a1),
            heredocs: Vec::new(),
            comments,
        };
        if kind == Kind::Unknown {
            let help = suggest_keyword(kw_text)
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| {
                    "Dockerfile instructions are FROM, RUN, COPY, ADD, ENV, ARG, ...".into()
                });
            self.error(
                inst.keyword.span,
                format!("unknown instruction `{kw_text}`"),
                Some(help),
            );
        }
        inst.args = self.args(lg, kind, a0, a1, &inst);
        inst
    }

    fn word(&self, lg: &Logical, a: usize, b: usize) -> Word {
        Word {
            span: lg.span(a, b),
            text: lg.text[a..b].to_string(),
        }
    }

    fn args(&mut self, lg: &Logical, kind: Kind, a0: usize, a1: usize, inst: &Instruction) -> Args {
        let s = &lg.text;
        if a0 >= a1 {
            return Args::None;
        }
        match kind {
            Kind::Run | Kind::Cmd | Kind::Entrypoint | Kind::Shell => {
                self.maybe_json(lg, a0, a1, false)
            }
            Kind::Add | Kind::Copy | Kind::Volume => self.maybe_json(lg, a0, a1, true),
            Kind::Expose | Kind::From => Args::List(self.fields(lg, a0, a1)),
            Kind::Env | Kind::Label => self.name_val(lg, a0, a1, kind),
            Kind::Arg => {
                let pairs = parse_words(s, a0, a1, self.escape)
                    .into_iter()
                    .map(|(a, b)| {
                        let w = &s[a..b];
                        match w.find('=') {
                            Some(eq) => KeyValue {
                                span: lg.span(a, b),
                                key: self.word(lg, a, a + eq),
                                value: Some(self.word(lg, a + eq + 1, b)),
                            },
                            None => KeyValue {
                                span: lg.span(a, b),
                                key: self.word(lg, a, b),
                                value: None,
                            },
                        }
                    })
                    .collect();
                Args::KeyValues {
                    pairs,
                    legacy: false,
                }
            }
            Kind::Maintainer | Kind::StopSignal | Kind::User | Kind::Workdir => {
                Args::Text(self.word(lg, a0, a1))
            }
            Kind::Healthcheck => {
                let sep = s[a0..a1]
                    .char_indices()
                    .find(|&(_, c)| is_space(c))
                    .map_or(a1, |(i, _)| a0 + i);
                let next = s[sep..a1]
                    .char_indices()
                    .find(|&(_, c)| !is_space(c))
                    .map_or(a1, |(i, _)| sep + i);
                let cmd = self.maybe_json(lg, next, a1, false);
                Args::Healthcheck {
                    mode: self.word(lg, a0, sep),
                    cmd: Box::new(cmd),
                }
            }
            Kind::Onbuild => {
                let sub = self.node_from_line(lg, a0, a1, Vec::new());
                if matches!(sub.kind(), Kind::Onbuild | Kind::From | Kind::Maintainer) {
                    self.error(
                        sub.keyword.span,
                        format!(
                            "{} isn't allowed as an ONBUILD trigger",
                            sub.keyword.text.to_uppercase()
                        ),
                        None,
                    );
                }
                Args::Onbuild(Box::new(sub))
            }
            Kind::Unknown => {
                let _ = inst;
                Args::Text(self.word(lg, a0, a1))
            }
        }
    }

    fn fields(&self, lg: &Logical, a0: usize, a1: usize) -> Vec<Word> {
        split_fields(&lg.text, a0, a1)
            .into_iter()
            .map(|(a, b)| self.word(lg, a, b))
            .collect()
    }

    fn maybe_json(&mut self, lg: &Logical, a0: usize, a1: usize, to_list: bool) -> Args {
        if a0 >= a1 {
            return Args::None;
        }
        match json::parse(&lg.text[a0..a1]) {
            JsonArgs::Strings(items) => Args::Exec(
                items
                    .into_iter()
                    .map(|(a, b, v)| Word {
                        span: lg.span(a0 + a, a0 + b),
                        text: v,
                    })
                    .collect(),
            ),
            JsonArgs::NotStringArray => {
                self.error(
                    lg.span(a0, a1),
                    "the JSON array may hold only strings",
                    Some("quote every element: [\"cmd\", \"arg\"]".into()),
                );
                Args::Shell(self.word(lg, a0, a1))
            }
            JsonArgs::NotJson if to_list => Args::List(self.fields(lg, a0, a1)),
            JsonArgs::NotJson => Args::Shell(self.word(lg, a0, a1)),
        }
    }

    /// BuildKit's `parseNameVal` for ENV and LABEL.
    fn name_val(&mut self, lg: &Logical, a0: usize, a1: usize, kind: Kind) -> Args {
        let s = &lg.text;
        let words = parse_words(s, a0, a1, self.escape);
        let Some(&(w0, w1)) = words.first() else {
            return Args::None;
        };
        if !s[w0..w1].contains('=') {
            // Legacy form: `KEY name value`.
            let fields = split_fields(s, a0, a1);
            let (k0, k1) = fields[0];
            let Some(&(v0, _)) = fields.get(1) else {
                self.error(
                    lg.span(a0, a1),
                    format!("{} must have two arguments", kind.as_str()),
                    Some(format!("write `{} {}=value`", kind.as_str(), &s[k0..k1])),
                );
                return Args::KeyValues {
                    pairs: vec![KeyValue {
                        span: lg.span(k0, k1),
                        key: self.word(lg, k0, k1),
                        value: None,
                    }],
                    legacy: true,
                };
            };
            return Args::KeyValues {
                pairs: vec![KeyValue {
                    span: lg.span(a0, a1),
                    key: self.word(lg, k0, k1),
                    value: Some(self.word(lg, v0, a1)),
                }],
                legacy: true,
            };
        }
        let mut pairs = Vec::new();
        for (a, b) in words {
            let w = &s[a..b];
            match w.find('=') {
                Some(eq) => pairs.push(KeyValue {
                    span: lg.span(a, b),
                    key: self.word(lg, a, a + eq),
                    value: Some(self.word(lg, a + eq + 1, b)),
                }),
                None => {
                    self.error(
                        lg.span(a, b),
                        format!("can't find = in `{w}`; must be of the form name=value"),
                        Some("write every pair as name=value, quoting values with spaces".into()),
                    );
                    pairs.push(KeyValue {
                        span: lg.span(a, b),
                        key: self.word(lg, a, b),
                        value: None,
                    });
                }
            }
        }
        Args::KeyValues {
            pairs,
            legacy: false,
        }
    }
}

struct RawFlag {
    start: usize,
    end: usize,
    name: (usize, usize),
    name_text: String,
    value: Option<String>,
    value_range: Option<(usize, usize)>,
}

/// BuildKit's `extractBuilderFlags`: leading `--words`, quotes removed.
/// Returns the flags and where the arguments start.
fn extract_flags(s: &str, from: usize, to: usize) -> (Vec<RawFlag>, usize) {
    let b = s.as_bytes();
    let mut flags = Vec::new();
    let mut pos = from;
    loop {
        while pos < to && is_space(char_at(s, pos)) {
            pos += char_at(s, pos).len_utf8();
        }
        if pos >= to || !(b[pos] == b'-' && pos + 1 < to && b[pos + 1] == b'-') {
            return (flags, pos);
        }
        let start = pos;
        let mut word = String::new();
        let mut eq_at: Option<(usize, usize)> = None; // (offset in word, source offset)
        let mut blank_ok = false;
        let mut quote: Option<char> = None;
        while pos < to {
            let ch = char_at(s, pos);
            match quote {
                None if is_space(ch) => break,
                None if ch == '\'' || ch == '"' => {
                    quote = Some(ch);
                    blank_ok = true;
                    pos += 1;
                    continue;
                }
                Some(q) if ch == q => {
                    quote = None;
                    pos += 1;
                    continue;
                }
                _ => {}
            }
            let mut c = ch;
            if ch == '\\' {
                if pos + 1 >= to {
                    pos += 1;
                    continue;
                }
                pos += 1;
                c = char_at(s, pos);
            }
            if c == '=' && eq_at.is_none() && quote.is_none() {
                eq_at = Some((word.len(), pos));
            }
            word.push(c);
            pos += c.len_utf8();
        }
        let end = pos;
        if word == "--" {
            return (flags, end);
        }
        if !blank_ok && word.is_empty() {
            continue;
        }
        let (name_text, value, name, value_range) = match eq_at {
            Some((wi, so)) => (
                word[2..wi].to_string(),
                Some(word[wi + 1..].to_string()),
                (start + 2, so),
                Some((so + 1, end)),
            ),
            None => (
                word[2.min(word.len())..].to_string(),
                None,
                (start + 2, end),
                None,
            ),
        };
        flags.push(RawFlag {
            start,
            end,
            name,
            name_text,
            value,
            value_range,
        });
    }
}

fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or('\0')
}

/// BuildKit's `parseWords`: words separated by unquoted whitespace, quotes
/// and escapes kept. Returns ranges into `s`.
pub(crate) fn parse_words(s: &str, from: usize, to: usize, escape: char) -> Vec<(usize, usize)> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote(char),
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut start = from;
    let mut blank_ok = false;
    let mut it = s[from..to]
        .char_indices()
        .map(|(i, c)| (from + i, c))
        .peekable();
    let mut nonempty = false;
    while let Some((pos, ch)) = it.next() {
        if phase == Phase::Spaces {
            if is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            start = pos;
            nonempty = false;
            blank_ok = false;
        }
        match phase {
            Phase::Word => {
                if is_space(ch) {
                    if blank_ok || nonempty {
                        words.push((start, pos));
                    }
                    phase = Phase::Spaces;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    phase = Phase::Quote(ch);
                    blank_ok = true;
                }
                if ch == escape {
                    it.next();
                }
                nonempty = true;
            }
            Phase::Quote(q) => {
                if ch == q {
                    phase = Phase::Word;
                } else if ch == escape && q != '\'' {
                    it.next();
                }
                nonempty = true;
            }
            Phase::Spaces => {}
        }
    }
    if phase != Phase::Spaces && (blank_ok || nonempty) {
        words.push((start, to));
    }
    words
}

struct Opener {
    start: usize,
    end: usize,
    name: String,
    fd: u32,
    chomp: bool,
    expand: bool,
}

/// BuildKit's `heredocsFromLine`: every word of the line of the form
/// `[fd]<<[-]NAME`, where NAME is one word after quote removal.
fn heredoc_openers(line: &str) -> Vec<Opener> {
    let mut out = Vec::new();
    for (a, b) in shell_words(line) {
        let w = &line[a..b];
        let digits = w.bytes().take_while(u8::is_ascii_digit).count();
        let Some(rest) = w[digits..].strip_prefix("<<") else {
            continue;
        };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let names = shell_words(rest);
        if names.len() != 1 {
            continue;
        }
        let name = unquote(rest);
        let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
        out.push(Opener {
            start: a,
            end: b,
            expand: quotes(&name) == quotes(rest),
            name,
            fd: w[..digits].parse().unwrap_or(0),
            chomp,
        });
    }
    out
}

/// Words of a shell-like line (BuildKit's lexer with raw quotes): split on
/// unquoted whitespace, `\` escapes the next character.
fn shell_words(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut it = s.char_indices();
    while let Some((i, c)) = it.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    it.next();
                }
            }
            None => {
                if c.is_whitespace() {
                    if let Some(st) = start.take() {
                        out.push((st, i));
                    }
                    continue;
                }
                if start.is_none() {
                    start = Some(i);
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == '\\' {
                    it.next();
                }
            }
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// Quote removal as the shell does it for a heredoc delimiter.
fn unquote(s: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => {
                if let Some(n) = it.next() {
                    if !matches!(n, '"' | '\\' | '$' | '`') {
                        out.push('\\');
                    }
                    out.push(n);
                }
            }
            Some(_) => out.push(c),
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '\\' => {
                if let Some(n) = it.next() {
                    out.push(n);
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// The known keyword closest to a misspelt one.
fn suggest_keyword(word: &str) -> Option<&'static str> {
    let w = word.to_ascii_uppercase();
    Kind::KNOWN
        .iter()
        .map(|k| (strsim::levenshtein(&w, k.as_str()), k.as_str()))
        .filter(|&(d, k)| d <= 2 && d < k.len())
        .min()
        .map(|(_, k)| k)
}
