//! RUN bodies as shell programs: parsed with `brush-parser` (bash
//! semantics, typed AST) and flattened into simple commands with their
//! words, assignments, redirections and the context they run in. Spans are
//! byte ranges in the Dockerfile.

mod guards;
pub mod pieces;
pub mod spec;
pub(crate) use guards::quiet_catch;
use guards::{huge_io_number, nesting_depth, unclosed_subshells, MAX_UNCLOSED_SUBSHELLS};
pub use guards::{MAX_FILE_SCRIPT_BYTES, MAX_NESTING, MAX_SCRIPT_BYTES};
mod source;

use brush_parser::ast;
use brush_parser::word::{self, WordPiece};
use brush_parser::{Parser, ParserOptions, SourcePosition};

use crate::syntax::{Args, Instruction};
use crate::text::Span;
pub use source::ScriptSource;

/// A parsed RUN body (or any shell text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// Every simple command in order of appearance, nested ones included.
    pub commands: Vec<Command>,
    /// Pipelines of two or more commands (indices into `commands`).
    pub pipelines: Vec<Pipeline>,
    /// Where the shell parser gave up, if it did.
    pub error: Option<ShellError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    pub message: String,
    pub span: Span,
    /// Not a mistake in the script: rdock declined to analyse it (too big,
    /// too deep, too unbalanced for the parser to finish in time).
    pub limit: bool,
    /// The same limit as an earlier RUN of the file (reported once).
    pub repeated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub commands: Vec<usize>,
    pub negated: bool,
}

/// A shell word: its text as written, where it is, and its value when it
/// holds no expansion (quotes removed, escapes applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShWord {
    pub raw: String,
    pub span: Span,
    pub lit: Option<String>,
}

impl ShWord {
    /// The literal value, or the raw text.
    pub fn text(&self) -> &str {
        self.lit.as_deref().unwrap_or(&self.raw)
    }
    pub fn is(&self, s: &str) -> bool {
        self.lit.as_deref() == Some(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectOp {
    Read,
    Write,
    Append,
    Clobber,
    ReadWrite,
    DupInput,
    DupOutput,
    HereDoc,
    HereString,
    /// `&>` (`append`: `&>>`).
    OutputAndError {
        append: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub fd: Option<i32>,
    pub op: RedirectOp,
    /// The file, fd or here-string word; `None` for a heredoc.
    pub target: Option<ShWord>,
}

impl Redirect {
    /// Whether it writes a file (not `2>&1`, not `/dev/null`).
    pub fn writes_file(&self) -> bool {
        matches!(
            self.op,
            RedirectOp::Write
                | RedirectOp::Append
                | RedirectOp::Clobber
                | RedirectOp::ReadWrite
                | RedirectOp::OutputAndError { .. }
        ) && self
            .target
            .as_ref()
            .is_some_and(|t| !t.text().starts_with("/dev/"))
    }
}

/// Where a command runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctx {
    /// Runs only under a condition: after `&&`/`||`, in `if`, `case`, a loop body or condition.
    pub conditional: bool,
    pub in_loop: bool,
    /// In `( ... )`, `$( ... )` or a pipeline element other than the last: `cd` does not persist.
    pub in_subshell: bool,
    pub in_pipeline: bool,
    /// Inside `$(...)` or backticks.
    pub in_substitution: bool,
    pub in_function: bool,
    /// Ends with `&`.
    pub background: bool,
    /// May not run in a build that succeeds: after `||`, in an `if` branch,
    /// a `case` arm, a loop body or a function.
    pub optional: bool,
    /// If it fails, the RUN fails: the last command of the script, a command
    /// under `set -e` outside a condition, or the last of an `&&` list that
    /// ends the script. Its effects are certain in a build that succeeds.
    pub must_succeed: bool,
    /// In a condition (`if`, `while`, `until`, left of `&&`/`||`): failure does not stop `set -e`.
    pub tested: bool,
    /// Its status is what an `if`, `elif`, `while` or `until` condition
    /// tests (not the left side of an `&&`/`||` inside the condition, whose
    /// status only decides whether the rest runs).
    pub in_condition: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: ShWord,
    pub span: Span,
}

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub span: Span,
    /// The command name and its arguments.
    pub words: Vec<ShWord>,
    /// `VAR=value` before the name (or alone).
    pub assignments: Vec<Assignment>,
    pub redirects: Vec<Redirect>,
    pub ctx: Ctx,
}

impl Command {
    /// The command name's literal value.
    pub fn name(&self) -> Option<&str> {
        self.words.first().and_then(|w| w.lit.as_deref())
    }
    /// The name without a directory: `/usr/bin/apt-get` -> `apt-get`.
    pub fn base_name(&self) -> Option<&str> {
        self.name().map(|n| n.rsplit('/').next().unwrap_or(n))
    }
    pub fn args(&self) -> &[ShWord] {
        self.words.get(1..).unwrap_or(&[])
    }
    /// Whether an argument is exactly `flag` (e.g. `-y`, `--yes`), or a short
    /// flag cluster holds it (`-qy` holds `-y`).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.args().iter().any(|w| {
            let t = w.text();
            t == flag
                || (flag.len() == 2
                    && flag.starts_with('-')
                    && !flag.starts_with("--")
                    && t.starts_with('-')
                    && !t.starts_with("--")
                    && t[1..].contains(&flag[1..]))
                || (flag.starts_with("--")
                    && t.starts_with(flag)
                    && t[flag.len()..].starts_with('='))
        })
    }
    /// The positional words (subcommands and operands), read with the
    /// command's spec (`spec::positional`).
    pub fn operands(&self) -> impl Iterator<Item = &ShWord> {
        spec::spec_of(self).positional(self).into_iter()
    }
}

/// Parse shell text. `src` maps offsets in the text back to the file.
///
/// Parsing is the costliest step of linting a file full of RUN steps, and
/// an editor re-lints on every keystroke with most RUN bodies unchanged
/// (only moved): results are remembered by the script and its layout
/// relative to where it starts, and moved to where it is now.
pub fn parse(src: &ScriptSource) -> Script {
    let Some((rel, delta)) = src.at_offset_one() else {
        return parse_uncached(src);
    };
    let mut script = memo::get_or_insert(rel, parse_uncached);
    script.shift(delta);
    script
}

impl Script {
    /// Move every span `delta` bytes later, except the synthetic `Span::empty(0)`.
    fn shift(&mut self, delta: usize) {
        let shift = |s: &mut Span| {
            if !(s.is_empty() && s.start == 0) {
                *s = Span::new(s.start + delta, s.end + delta);
            }
        };
        for c in &mut self.commands {
            shift(&mut c.span);
            for w in &mut c.words {
                shift(&mut w.span);
            }
            for a in &mut c.assignments {
                shift(&mut a.span);
                shift(&mut a.value.span);
            }
            for r in &mut c.redirects {
                if let Some(t) = &mut r.target {
                    shift(&mut t.span);
                }
            }
        }
        if let Some(e) = &mut self.error {
            shift(&mut e.span);
        }
    }
}

/// A bounded memo of parsed scripts: two generations, the older dropped
/// when the newer holds `LIMIT` bytes of script text, so what the last
/// lints used stays.
mod memo {
    use std::collections::HashMap;
    use std::sync::{Mutex, PoisonError};

    use super::{Script, ScriptSource};

    const LIMIT: usize = 8 << 20;

    #[derive(Default)]
    struct Memo {
        new: HashMap<ScriptSource, Script>,
        old: HashMap<ScriptSource, Script>,
        new_bytes: usize,
    }

    static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

    /// Forget every parse (the language server, once nothing is open).
    pub fn clear() {
        *MEMO.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(super) fn get_or_insert(
        src: ScriptSource,
        parse: impl FnOnce(&ScriptSource) -> Script,
    ) -> Script {
        {
            let mut guard = MEMO.lock().unwrap_or_else(PoisonError::into_inner);
            let m = guard.get_or_insert_with(Memo::default);
            if let Some(s) = m.new.get(&src) {
                return s.clone();
            }
            if let Some(s) = m.old.remove(&src) {
                insert(m, src, s.clone());
                return s;
            }
        }
        // Parse outside the lock: other threads lint meanwhile.
        let script = parse(&src);
        let mut guard = MEMO.lock().unwrap_or_else(PoisonError::into_inner);
        insert(guard.get_or_insert_with(Memo::default), src, script.clone());
        script
    }

    fn insert(m: &mut Memo, src: ScriptSource, script: Script) {
        if src.text.len() > LIMIT / 4 {
            return;
        }
        if m.new_bytes + src.text.len() > LIMIT {
            m.old = std::mem::take(&mut m.new);
            m.new_bytes = 0;
        }
        m.new_bytes += src.text.len();
        m.new.insert(src, script);
    }
}

pub use memo::clear as forget_parsed_scripts;
fn parse_uncached(src: &ScriptSource) -> Script {
    let mut script = Script::default();
    if src.text.len() > MAX_SCRIPT_BYTES {
        script.error = Some(ShellError {
            message: format!(
                "the script is {} bytes, more than rdock analyses ({} KiB)",
                src.text.len(),
                MAX_SCRIPT_BYTES >> 10
            ),
            span: src.whole,
            limit: true,
            repeated: false,
        });
        return script;
    }
    // brush-parser recurses once per nesting level: deep nesting (10,000
    // `$(`) overflows the stack. No real script nests this deep.
    if nesting_depth(&src.text) > MAX_NESTING {
        script.error = Some(ShellError {
            message: format!(
                "the script nests more than {MAX_NESTING} levels deep; rdock does not analyse it"
            ),
            span: src.whole,
            limit: true,
            repeated: false,
        });
        return script;
    }
    let top = Ctx {
        must_succeed: true,
        ..Ctx::default()
    };
    parse_into(src, &src.text, 0, top, &mut script, 0);
    script
}

/// The shell program a RUN (or CMD, ENTRYPOINT) runs, mapped to the file.
/// `None` for an exec form that is not `[shell, -c, script]`, or when there is no body.
pub fn script_source(inst: &Instruction, text: &str) -> Option<ScriptSource> {
    ScriptSource::for_instruction(inst, text)
}

/// A RUN whose body is left unparsed because the file's shell text is over
/// [`MAX_FILE_SCRIPT_BYTES`]: the error says so, so that the rules that
/// read shell skip it and RD305 tells the user.
pub fn over_budget(inst: &Instruction, repeated: bool) -> Script {
    Script {
        error: Some(ShellError {
            message: format!(
                "the file has more than {} MiB of shell in its RUN steps; rdock does not analyse the rest",
                MAX_FILE_SCRIPT_BYTES >> 20
            ),
            span: inst.args_span,
            limit: true,
            repeated,
        }),
        ..Script::default()
    }
}

/// Parse the body of a RUN instruction; exec form becomes one command.
pub fn parse_instruction(inst: &Instruction, text: &str) -> Option<Script> {
    if let Args::Exec(words) = &inst.args {
        if let Some(src) = ScriptSource::for_exec_shell(inst) {
            return Some(parse(&src));
        }
        let cmd = Command {
            span: inst.args_span,
            words: words
                .iter()
                .map(|w| ShWord {
                    raw: w.text.clone(),
                    span: w.span,
                    lit: Some(w.text.clone()),
                })
                .collect(),
            assignments: Vec::new(),
            redirects: Vec::new(),
            ctx: Ctx {
                must_succeed: true,
                ..Ctx::default()
            },
        };
        return Some(Script {
            commands: vec![cmd],
            ..Script::default()
        });
    }
    script_source(inst, text).map(|s| parse(&s))
}

const MAX_DEPTH: usize = 32;

fn options() -> ParserOptions {
    ParserOptions {
        tilde_expansion_at_word_start: false,
        ..ParserOptions::default()
    }
}

/// Parse `text`, which starts at offset `base` of `src.text`.
fn parse_into(
    src: &ScriptSource,
    text: &str,
    base: usize,
    ctx: Ctx,
    out: &mut Script,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let (unclosed, first) = unclosed_subshells(text);
    if let Some(at) = first.filter(|_| unclosed > MAX_UNCLOSED_SUBSHELLS) {
        if out.error.is_none() {
            out.error = Some(ShellError {
                message: format!(
                    "{unclosed} `(` are never closed; rdock does not analyse a script this unbalanced"
                ),
                span: src.span(base + at, base + at + 1),
                limit: true,
                repeated: false,
            });
        }
        return;
    }
    let chars = source::CharIndex::new(text);
    // brush-parser panics on some inputs (a file-descriptor number that does
    // not fit: `RUN 99999999999>x`); such a panic is a syntax error of the
    // script, not the end of the lint.
    let parsed = quiet_catch(|| Parser::new(text.as_bytes(), &options()).parse_program());
    let Some(parsed) = parsed else {
        if out.error.is_none() {
            let at = huge_io_number(text).unwrap_or(0);
            out.error = Some(ShellError {
                message: if huge_io_number(text).is_some() {
                    "a file-descriptor number too large for any shell".into()
                } else {
                    "the shell parser could not read this script".into()
                },
                span: src.span(base + at, base + (at + 1).min(text.len().max(at + 1))),
                limit: false,
                repeated: false,
            });
        }
        return;
    };
    match parsed {
        Ok(program) => {
            let mut w = Walker {
                src,
                text,
                base,
                chars: &chars,
                out,
                depth,
                errexit: false,
            };
            for list in &program.complete_commands {
                w.list(list, ctx);
            }
        }
        Err(e) => {
            if out.error.is_none() {
                let stop = match &e {
                    brush_parser::ParseError::ParsingNear(p) => Some(p.index),
                    brush_parser::ParseError::Tokenizing { position, .. } => {
                        position.as_ref().map(|p| p.index)
                    }
                    _ => None,
                };
                // The whole character brush stopped at (wider than a byte, maybe).
                let span = match stop {
                    Some(i) => src.span(base + chars.byte(i), base + chars.byte(i + 1)),
                    None => src.span(base + text.len(), base + text.len()),
                };
                out.error = Some(ShellError {
                    message: e.to_string(),
                    span,
                    limit: false,
                    repeated: false,
                });
            }
        }
    }
}

struct Walker<'a> {
    src: &'a ScriptSource,
    text: &'a str,
    base: usize,
    chars: &'a source::CharIndex,
    out: &'a mut Script,
    depth: usize,
    /// `set -e` is in force.
    errexit: bool,
}

impl Walker<'_> {
    fn pos(&self, p: &SourcePosition) -> usize {
        self.chars.byte(p.index)
    }

    fn list(&mut self, list: &ast::CompoundList, ctx: Ctx) {
        let items = list.0.len();
        for (k, ast::CompoundListItem(and_or, sep)) in list.0.iter().enumerate() {
            let last_item = k + 1 == items;
            let mut c = ctx;
            if matches!(sep, ast::SeparatorOperator::Async) {
                c.background = true;
            }
            // A failing item fails the RUN when it is the last one or `set -e` holds.
            let item_must = ctx.must_succeed && !c.background && (last_item || self.errexit);
            // The operator after each element: `&&` elements fail the list, but
            // `set -e` ignores them, so only the list that ends the script counts.
            let ops: Vec<bool> = and_or
                .additional
                .iter()
                .map(|a| matches!(a, ast::AndOr::And(_)))
                .collect();
            let elem_must = |i: usize| -> bool {
                match ops.get(i) {
                    None => item_must,
                    Some(true) => ctx.must_succeed && last_item && !c.background,
                    Some(false) => false,
                }
            };
            let chained = !and_or.additional.is_empty();
            let mut first_ctx = c;
            first_ctx.must_succeed = elem_must(0);
            if chained {
                first_ctx.tested = true;
                first_ctx.in_condition = false;
            }
            self.pipeline(&and_or.first, first_ctx);
            let n = and_or.additional.len();
            for (i, next) in and_or.additional.iter().enumerate() {
                let (ast::AndOr::And(p) | ast::AndOr::Or(p)) = next;
                let mut cc = c;
                cc.conditional = true;
                cc.must_succeed = elem_must(i + 1) && !cc.optional;
                if matches!(next, ast::AndOr::Or(_)) {
                    cc.optional = true;
                    cc.must_succeed = false;
                }
                if i + 1 < n {
                    cc.tested = true;
                    cc.in_condition = false;
                }
                self.pipeline(p, cc);
            }
        }
    }

    fn pipeline(&mut self, p: &ast::Pipeline, ctx: Ctx) {
        let start = self.out.commands.len();
        let many = p.seq.len() > 1;
        for (i, cmd) in p.seq.iter().enumerate() {
            let mut c = ctx;
            if many {
                c.in_pipeline = true;
                if i + 1 < p.seq.len() {
                    c.in_subshell = true;
                    c.must_succeed = false;
                }
            }
            if p.bang {
                c.tested = true;
            }
            let before = self.out.commands.len();
            self.command(cmd, c);
            let _ = before;
        }
        if many {
            // The last simple command of each element stands for it.
            let cmds: Vec<usize> = (start..self.out.commands.len()).collect();
            if !cmds.is_empty() {
                self.out.pipelines.push(Pipeline {
                    commands: cmds,
                    negated: p.bang,
                });
            }
        }
    }

    fn command(&mut self, cmd: &ast::Command, ctx: Ctx) {
        match cmd {
            ast::Command::Simple(s) => self.simple(s, ctx),
            ast::Command::Compound(c, redirects) => {
                self.compound(c, ctx);
                if let Some(r) = redirects {
                    // Redirections of a compound command: attach to a synthetic command-less entry.
                    let redirects: Vec<Redirect> =
                        r.0.iter().map(|r| self.redirect(r, ctx)).collect();
                    if !redirects.is_empty() {
                        self.out.commands.push(Command {
                            span: Span::empty(0),
                            words: Vec::new(),
                            assignments: Vec::new(),
                            redirects,
                            ctx,
                        });
                        if let Some(c) = self.out.commands.last_mut() {
                            c.span = c
                                .redirects
                                .iter()
                                .filter_map(|r| r.target.as_ref())
                                .map(|t| t.span)
                                .next()
                                .unwrap_or_default();
                        }
                    }
                }
            }
            ast::Command::Function(f) => {
                let mut c = ctx;
                c.in_function = true;
                c.conditional = true;
                c.optional = true;
                c.must_succeed = false;
                self.compound(&f.body.0, c);
            }
            ast::Command::ExtendedTest(_, _) => {}
        }
    }

    fn compound(&mut self, c: &ast::CompoundCommand, ctx: Ctx) {
        use ast::CompoundCommand as C;
        let mut cond = ctx;
        cond.conditional = true;
        cond.optional = true;
        cond.must_succeed = false;
        // (A body or branch is not its enclosing condition.)
        cond.in_condition = false;
        match c {
            C::BraceGroup(b) => self.list(&b.list, ctx),
            C::Subshell(s) => {
                let mut c = ctx;
                c.in_subshell = true;
                self.list(&s.list, c);
            }
            C::ForClause(f) => {
                // The word list runs once, before the loop: `for f in $(a | b)`.
                for w in f.values.iter().flatten() {
                    self.word(w, ctx);
                }
                let mut c = cond;
                c.in_loop = true;
                self.list(&f.body.list, c);
            }
            C::ArithmeticForClause(f) => {
                let mut c = cond;
                c.in_loop = true;
                self.list(&f.body.list, c);
            }
            C::CaseClause(cc) => {
                self.word(&cc.value, ctx);
                for item in &cc.cases {
                    if let Some(l) = &item.cmd {
                        self.list(l, cond);
                    }
                }
            }
            C::IfClause(i) => {
                let mut t = cond;
                t.tested = true;
                t.in_condition = true;
                self.list(&i.condition, t);
                self.list(&i.then, cond);
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        self.list(c, t);
                    }
                    self.list(&e.body, cond);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                let mut t = cond;
                t.tested = true;
                t.in_condition = true;
                t.in_loop = true;
                self.list(&w.0, t);
                let mut b = cond;
                b.in_loop = true;
                self.list(&w.1.list, b);
            }
            C::Arithmetic(_) | C::Coprocess(_) => {}
        }
    }

    fn word(&mut self, w: &ast::Word, ctx: Ctx) -> ShWord {
        let (start, end) = match &w.loc {
            Some(l) => (self.pos(&l.start), self.pos(&l.end)),
            None => (0, 0),
        };
        // The word as written in the script: brush's value can differ from
        // it (whitespace inside a multi-line `$( ... )`), and positions of
        // substitutions are looked up in the written text.
        let raw = match self.text.get(start..end) {
            Some(t) if w.loc.is_some() && !t.is_empty() => t.to_string(),
            _ => w.value.clone(),
        };
        let span = self.src.span(self.base + start, self.base + end);
        let lit = literal(&raw);
        // Commands inside $(...) and backticks run too.
        if lit.is_none() && (raw.contains("$(") || raw.contains('`')) {
            if let Ok(pieces) = word::parse(&raw, &options()) {
                self.substitutions(&pieces, &raw, start, ctx);
            }
        }
        ShWord { raw, span, lit }
    }

    fn substitutions(
        &mut self,
        pieces: &[word::WordPieceWithSource],
        raw: &str,
        word_start: usize,
        ctx: Ctx,
    ) {
        for p in pieces {
            match &p.piece {
                WordPiece::CommandSubstitution(inner)
                | WordPiece::BackquotedCommandSubstitution(inner) => {
                    // Locate the inner text inside the word to keep positions.
                    let piece_start = raw
                        .char_indices()
                        .nth(p.start_index)
                        .map_or(raw.len(), |(i, _)| i);
                    let rel = raw[piece_start..]
                        .find(inner.as_str())
                        .map_or(piece_start, |i| piece_start + i);
                    let mut c = ctx;
                    c.in_substitution = true;
                    c.in_subshell = true;
                    c.must_succeed = false;
                    let inner = inner.clone();
                    let abs = self.base + word_start + rel;
                    if abs + inner.len() <= self.src.text.len()
                        && self.src.text.get(abs..abs + inner.len()) == Some(inner.as_str())
                    {
                        parse_into(
                            self.src,
                            &self.src.text[abs..abs + inner.len()],
                            abs,
                            c,
                            self.out,
                            self.depth + 1,
                        );
                    }
                }
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.substitutions(inner, raw, word_start, ctx);
                }
                _ => {}
            }
        }
    }

    fn redirect(&mut self, r: &ast::IoRedirect, ctx: Ctx) -> Redirect {
        use ast::{IoFileRedirectKind as K, IoFileRedirectTarget as T, IoRedirect as R};
        match r {
            R::File(fd, kind, target) => {
                let op = match kind {
                    K::Read => RedirectOp::Read,
                    K::Write => RedirectOp::Write,
                    K::Append => RedirectOp::Append,
                    K::ReadAndWrite => RedirectOp::ReadWrite,
                    K::Clobber => RedirectOp::Clobber,
                    K::DuplicateInput => RedirectOp::DupInput,
                    K::DuplicateOutput => RedirectOp::DupOutput,
                };
                let to_fd = matches!(target, T::Fd(_));
                let target = match target {
                    T::Filename(w) | T::Duplicate(w) => Some(self.word(w, ctx)),
                    T::Fd(n) => Some(ShWord {
                        raw: n.to_string(),
                        span: Span::empty(0),
                        lit: Some(n.to_string()),
                    }),
                    T::ProcessSubstitution(_, _) => None,
                };
                let op = if to_fd && op == RedirectOp::Write {
                    RedirectOp::DupOutput
                } else {
                    op
                };
                Redirect {
                    fd: *fd,
                    op,
                    target,
                }
            }
            R::HereDocument(fd, _) => Redirect {
                fd: *fd,
                op: RedirectOp::HereDoc,
                target: None,
            },
            R::HereString(fd, w) => Redirect {
                fd: *fd,
                op: RedirectOp::HereString,
                target: Some(self.word(w, ctx)),
            },
            R::OutputAndError(w, append) => Redirect {
                fd: None,
                op: RedirectOp::OutputAndError { append: *append },
                target: Some(self.word(w, ctx)),
            },
        }
    }

    fn simple(&mut self, s: &ast::SimpleCommand, ctx: Ctx) {
        let mut words = Vec::new();
        let mut assignments = Vec::new();
        let mut redirects = Vec::new();
        let mut items: Vec<&ast::CommandPrefixOrSuffixItem> = Vec::new();
        if let Some(p) = &s.prefix {
            items.extend(p.0.iter());
        }
        let name_index = items.len();
        if let Some(p) = &s.suffix {
            items.extend(p.0.iter());
        }
        // Evaluate in source order: prefix, name, suffix.
        let emit_name = |this: &mut Self, words: &mut Vec<ShWord>| {
            if let Some(n) = &s.word_or_name {
                let w = this.word(n, ctx);
                words.push(w);
            }
        };
        for (i, item) in items.iter().enumerate() {
            if i == name_index {
                emit_name(self, &mut words);
            }
            match item {
                ast::CommandPrefixOrSuffixItem::Word(w) => {
                    let w = self.word(w, ctx);
                    words.push(w);
                }
                ast::CommandPrefixOrSuffixItem::AssignmentWord(a, w) => {
                    let whole = self.word(w, ctx);
                    // The value is what follows `=` in the whole word (brush
                    // gives the value no position of its own).
                    let value = match (&a.value, whole.raw.split_once('=')) {
                        (ast::AssignmentValue::Scalar(_), Some((name, v))) => {
                            let at = name.len() + 1;
                            let span = match &w.loc {
                                Some(l) => self.src.span(
                                    self.base + self.pos(&l.start) + at,
                                    self.base + self.pos(&l.end),
                                ),
                                None => whole.span,
                            };
                            ShWord {
                                raw: v.to_string(),
                                span,
                                lit: literal(v),
                            }
                        }
                        _ => whole.clone(),
                    };
                    let name = match &a.name {
                        ast::AssignmentName::VariableName(n)
                        | ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
                    };
                    if i < name_index || s.word_or_name.is_none() {
                        assignments.push(Assignment {
                            name,
                            value,
                            span: whole.span,
                        });
                    } else {
                        // `export A=b`, `declare A=b`: an argument.
                        words.push(whole);
                    }
                }
                ast::CommandPrefixOrSuffixItem::IoRedirect(r) => {
                    let r = self.redirect(r, ctx);
                    redirects.push(r);
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                    let mut c = ctx;
                    c.in_subshell = true;
                    c.in_substitution = true;
                    self.list(&sub.list, c);
                }
            }
        }
        if items.len() == name_index {
            emit_name(self, &mut words);
        }
        let spans: Vec<Span> = words
            .iter()
            .map(|w| w.span)
            .chain(assignments.iter().map(|a| a.span))
            .chain(
                redirects
                    .iter()
                    .filter_map(|r| r.target.as_ref().map(|t| t.span)),
            )
            .filter(|s| !(s.is_empty() && s.start == 0))
            .collect();
        let span = spans
            .iter()
            .copied()
            .reduce(Span::cover)
            .unwrap_or_default();
        let _ = self.text;
        if words.first().and_then(|w| w.lit.as_deref()) == Some("set") && !ctx.in_subshell {
            let args: Vec<&str> = words[1..]
                .iter()
                .map(|w| w.lit.as_deref().unwrap_or(""))
                .collect();
            for (i, a) in args.iter().enumerate() {
                let short = a.starts_with('-')
                    && !a.starts_with("--")
                    && a.contains('e')
                    && !a.contains('o');
                let short_o = a.starts_with('-')
                    && a.contains('e')
                    && a.ends_with('o')
                    && args.get(i + 1) == Some(&"pipefail");
                if short || short_o || (*a == "-o" && args.get(i + 1) == Some(&"errexit")) {
                    self.errexit = true;
                }
                if a.starts_with('+') && a.contains('e') {
                    self.errexit = false;
                }
            }
        }
        self.out.commands.push(Command {
            span,
            words,
            assignments,
            redirects,
            ctx,
        });
    }
}

/// The value of a word without expansions: quotes removed, escapes applied.
/// `None` when the word expands something (`$`, backticks, globs are kept literal).
pub fn literal(raw: &str) -> Option<String> {
    let mut out = String::new();
    let mut it = raw.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = it.next() {
        match (quote, c) {
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => out.push(c),
            (Some('"'), '"') => quote = None,
            (Some('"'), '\\') => match it.next() {
                Some(n @ ('"' | '\\' | '$' | '`')) => out.push(n),
                Some('\n') => {}
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            (_, '$')
                if it.peek().is_some_and(|n| {
                    n.is_ascii_alphanumeric()
                        || matches!(n, '{' | '(' | '_' | '@' | '*' | '#' | '?' | '!' | '-')
                }) =>
            {
                return None
            }
            (_, '`') => return None,
            (Some(_), _) => out.push(c),
            (None, '\'') | (None, '"') => quote = Some(c),
            (None, '\\') => match it.next() {
                Some('\n') => {}
                Some(n) => out.push(n),
                None => {}
            },
            (None, _) => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
