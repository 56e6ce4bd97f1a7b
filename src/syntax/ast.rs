//! The syntax tree: every node carries its byte span in the original text.
//! Comments, blank lines and directives are nodes too, and the top-level
//! nodes partition the text into whole lines, so the file prints back byte
//! for byte.

use crate::text::Span;

/// A parsed Dockerfile. Built by [`crate::syntax::parse`], which never fails.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    /// Parser directives at the top of the file (`# syntax=`, `# escape=`, `# check=`).
    pub directives: Vec<Directive>,
    /// The escape character in force: `\` or `` ` ``.
    pub escape: char,
    /// Top-level nodes in order. Their `lines` spans are contiguous and cover the text.
    pub nodes: Vec<Node>,
    /// What could not be read, with precise locations.
    pub errors: Vec<SyntaxError>,
    /// Blank lines inside a line continuation (BuildKit: NoEmptyContinuation).
    pub empty_continuation_lines: Vec<Span>,
    /// Length of a leading UTF-8 byte order mark (0 or 3).
    pub bom: usize,
}

impl Dockerfile {
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.nodes.iter().filter_map(|n| match &n.kind {
            NodeKind::Instruction(i) => Some(i),
            _ => None,
        })
    }
    pub fn comments(&self) -> impl Iterator<Item = &Comment> {
        self.nodes.iter().filter_map(|n| match &n.kind {
            NodeKind::Comment(c) => Some(c),
            _ => None,
        })
    }
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}

/// One top-level node and the whole lines it occupies (line terminators included).
#[derive(Debug, Clone)]
pub struct Node {
    pub lines: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Instruction(Instruction),
    Comment(Comment),
    Directive(Directive),
    /// An empty or whitespace-only line.
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of the line, line terminator excluded.
    pub span: Span,
    /// The text after `#`, as written.
    pub text: String,
}

/// `# name=value` at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// From `#` to the end of the value.
    pub span: Span,
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: String,
    pub name_span: Span,
    pub value: String,
    pub value_span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    StopSignal,
    User,
    Volume,
    Workdir,
    /// A word BuildKit does not know; the build fails on it.
    Unknown,
}

impl Kind {
    pub const KNOWN: [Kind; 18] = [
        Kind::Add,
        Kind::Arg,
        Kind::Cmd,
        Kind::Copy,
        Kind::Entrypoint,
        Kind::Env,
        Kind::Expose,
        Kind::From,
        Kind::Healthcheck,
        Kind::Label,
        Kind::Maintainer,
        Kind::Onbuild,
        Kind::Run,
        Kind::Shell,
        Kind::StopSignal,
        Kind::User,
        Kind::Volume,
        Kind::Workdir,
    ];

    /// The keyword in upper case, as the docs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Add => "ADD",
            Kind::Arg => "ARG",
            Kind::Cmd => "CMD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Env => "ENV",
            Kind::Expose => "EXPOSE",
            Kind::From => "FROM",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Onbuild => "ONBUILD",
            Kind::Run => "RUN",
            Kind::Shell => "SHELL",
            Kind::StopSignal => "STOPSIGNAL",
            Kind::User => "USER",
            Kind::Volume => "VOLUME",
            Kind::Workdir => "WORKDIR",
            Kind::Unknown => "UNKNOWN",
        }
    }

    /// Case-insensitive, as BuildKit reads keywords.
    pub fn from_keyword(word: &str) -> Kind {
        Kind::KNOWN
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(word))
            .unwrap_or(Kind::Unknown)
    }

    /// Instructions whose body may open heredocs.
    pub fn takes_heredocs(self) -> bool {
        matches!(self, Kind::Run | Kind::Copy | Kind::Add)
    }
}

/// The instruction keyword as written (`run`, `Run`, `RUN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    pub kind: Kind,
    pub span: Span,
    pub text: String,
}

/// A piece of text with its span. `text` is the logical text: line
/// continuations (and comment lines inside them) removed, quotes kept,
/// except in exec-form (JSON) arguments where it is the decoded string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub span: Span,
    pub text: String,
}

/// `--name=value` or `--name` before the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub span: Span,
    /// The name without the leading `--`, quotes removed.
    pub name: String,
    pub name_span: Span,
    /// The value after `=`, quotes removed. `None` for `--link`.
    pub value: Option<String>,
    pub value_span: Option<Span>,
}

impl Flag {
    /// The flag as BuildKit hands it on: `--name=value`, quotes removed.
    pub fn unquoted(&self) -> String {
        match &self.value {
            Some(v) => format!("--{}={}", self.name, v),
            None => format!("--{}", self.name),
        }
    }
}

/// `key=value`, `key value` (legacy form), or a bare `name` (ARG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub span: Span,
    pub key: Word,
    /// `None` for an ARG without default.
    pub value: Option<Word>,
}

/// Arguments of an instruction, in the shape BuildKit's parser gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Nothing after the keyword and flags.
    None,
    /// A JSON array of strings (exec form); each word is the decoded string.
    Exec(Vec<Word>),
    /// Shell form of RUN, CMD, ENTRYPOINT, SHELL: the command as one text.
    Shell(Word),
    /// Whitespace-separated words: FROM, COPY, ADD, VOLUME, EXPOSE.
    List(Vec<Word>),
    /// ENV and LABEL (`legacy` for `ENV key value`), ARG (values optional).
    KeyValues { pairs: Vec<KeyValue>, legacy: bool },
    /// The rest of the line as one text: USER, WORKDIR, MAINTAINER, STOPSIGNAL.
    Text(Word),
    /// `HEALTHCHECK NONE` or `HEALTHCHECK CMD ...`.
    Healthcheck { mode: Word, cmd: Box<Args> },
    /// `ONBUILD <instruction>`.
    Onbuild(Box<Instruction>),
}

/// A here-document opened by `<<NAME` in RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The opening word (`<<-"EOF"`) in the instruction line.
    pub opener: Span,
    /// The delimiter, quotes removed.
    pub name: String,
    /// `2<<EOF` gives 2; 0 when absent.
    pub fd: u32,
    /// `<<-`: leading tabs are stripped.
    pub chomp: bool,
    /// False when the delimiter was quoted: no variable expansion in the body.
    pub expand: bool,
    /// The body as written, line terminators included.
    pub content: String,
    pub content_span: Span,
    /// The terminator line's text, `None` when the file ended first.
    pub terminator: Option<Span>,
}

/// One instruction, from its keyword to the end of its last line (heredoc
/// bodies included, the final line terminator excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub span: Span,
    pub keyword: Keyword,
    pub flags: Vec<Flag>,
    pub args: Args,
    /// The argument text after the flags (trimmed), as one span; empty when none.
    pub args_span: Span,
    /// The logical text of the arguments (continuations removed).
    pub args_text: String,
    /// `(offset in args_text, source offset)` where each joined piece of
    /// `args_text` starts; maps positions in `args_text` back to the file.
    pub args_pieces: Vec<(usize, usize)>,
    pub heredocs: Vec<Heredoc>,
    /// Comment lines inside the line continuation.
    pub comments: Vec<Comment>,
}

impl Instruction {
    pub fn kind(&self) -> Kind {
        self.keyword.kind
    }
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }
    /// True for the exec (JSON) form.
    pub fn is_exec_form(&self) -> bool {
        match &self.args {
            Args::Exec(_) => true,
            Args::Healthcheck { cmd, .. } => matches!(**cmd, Args::Exec(_)),
            _ => false,
        }
    }
    /// The source offset of byte `i` of `args_text`.
    pub fn args_source_offset(&self, i: usize) -> usize {
        let k = self.args_pieces.partition_point(|&(l, _)| l <= i);
        match k.checked_sub(1).and_then(|k| self.args_pieces.get(k)) {
            Some(&(l, s)) => s + (i - l),
            None => self.args_span.start,
        }
    }

    /// The words of a list or exec form.
    pub fn words(&self) -> &[Word] {
        match &self.args {
            Args::List(w) | Args::Exec(w) => w,
            _ => &[],
        }
    }
}

/// Something the parser could not read. The model still holds the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}
