//! Dockerfile word lexing: quote removal and variable substitution.
//!
//! This is a port of BuildKit's `frontend/dockerfile/shell/lex.go`
//! (moby/buildkit, Apache-2.0), following the most recent version of that
//! file (the one with the `EnvGetter` interface, the `${VAR/pat/repl}`
//! substitution and the rejection of `${VAR:#...}` / `${VAR:%...}`).
//! BuildKit's behaviour — including its quirks — is reproduced on purpose, so
//! that what rdock computes for a word is what `docker build` computes.
//! Every deliberate deviation is marked with `DEVIATION` below:
//!
//! * Unterminated `${NAME` (end of input right after the name): BuildKit
//!   reports `unsupported modifier (\u{FFFD}) in substitution` (it formats the
//!   scanner's EOF marker as a rune); we report `syntax error: missing '}'`.
//!   Whether a word is an error is unchanged.
//! * The newest BuildKit shares one word-splitting buffer between nested
//!   `processStopOn` calls, so `ProcessWords("a${X:-b}c")` loses the text
//!   before the `${`. We keep one buffer per call, as every earlier BuildKit
//!   release did (the only observable difference is in [`Lexer::process_words`]).
//! * Environment lookups are case-sensitive (BuildKit on Linux); BuildKit on
//!   Windows folds case.
//! * BuildKit's `SkipProcessQuotes` option is not exposed.
//!
//! Notable BuildKit behaviour kept as is:
//!
//! * Glob patterns (`#`, `%`, `/`) support `*`, `?` and the escapes `\*`,
//!   `\?`, `\\` (and `\}`, `\/` which stand for `}` and `/`); any other
//!   escape is an error. Bracket expressions are *not* supported: `[` and `]`
//!   match themselves. `*` and `?` do not match a newline (Go's `.`).
//! * `${V//pat/repl}` goes through Go's `Regexp.ReplaceAllString`, so `$0` /
//!   `${0}` in the (expanded) replacement stand for the matched text and `$$`
//!   for `$`; `${V/pat/repl}` (first match only) inserts `repl` verbatim.
//! * With `skip_unset_env`, an unset `${V//p/r}` is re-emitted as `${V/p/r}`
//!   (BuildKit drops the second slash).
//! * With `raw_escapes`, an escape character inside double quotes that does
//!   not escape anything is emitted twice (`"a\b"` → `"a\\b"`).
//! * A byte-order mark at the very start of the word (or of a glob pattern) is
//!   skipped, as Go's `text/scanner` does.
//! * Names are Unicode letters, digits and `_` (Go's `unicode.IsLetter` /
//!   `unicode.IsDigit`, Unicode 15.0); `$1`, `$123`, `$@`, `$*`, `$#`, `$?`,
//!   `$-`, `$$`, `$!`, `$0` are looked up like any other name (and are
//!   normally unset).
//!
//! The tests port BuildKit's own tables (`lex_test.go`, and the `envVarTest` /
//! `wordsTest` data files, kept in `tests/data/shell/`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::ops::Range;

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

/// Where variables come from. `None` = unset.
pub trait Env {
    /// The value of `name`, or `None` if it is unset.
    fn get(&self, name: &str) -> Option<&str>;
}

/// An environment in which nothing is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoEnv;

impl Env for NoEnv {
    fn get(&self, _name: &str) -> Option<&str> {
        None
    }
}

impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(String::as_str)
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

/// A list of `(name, value)` pairs; the last occurrence of a name wins
/// (like BuildKit's `EnvsFromSlice`).
impl<K: AsRef<str>, V: AsRef<str>> Env for [(K, V)] {
    fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// Same as the slice implementation: the last occurrence of a name wins.
impl<K: AsRef<str>, V: AsRef<str>> Env for Vec<(K, V)> {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

/// Same as the slice implementation: the last occurrence of a name wins.
impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Env for [(K, V); N] {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

/// Lets an unsized environment such as a slice be passed as `&dyn Env`
/// (`&&pairs[..]`).
impl<T: Env + ?Sized> Env for &T {
    fn get(&self, name: &str) -> Option<&str> {
        (**self).get(name)
    }
}

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// BuildKit's `shell.Lex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexer {
    /// The escape character: `\` (default) or `` ` `` (`# escape=` directive).
    pub escape: char,
    /// Keep quote characters in the output (BuildKit `RawQuotes`).
    pub raw_quotes: bool,
    /// Keep escape characters in the output (BuildKit `RawEscapes`).
    pub raw_escapes: bool,
    /// Leave references to unset variables in the output literally
    /// (BuildKit `SkipUnsetEnv`).
    pub skip_unset_env: bool,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer::new('\\')
    }
}

/// The result of [`Lexer::process_word`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded word.
    pub value: String,
    /// Every variable referenced, in the order of their `$` in the input
    /// (an enclosing `${A:-$B}` comes before the `$B` nested in it).
    pub references: Vec<VarRef>,
}

/// One variable reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarRef {
    /// The name as BuildKit looks it up. Special and positional parameters
    /// (`1`, `@`, ...) are included, and so is the empty name of the odd forms
    /// BuildKit accepts such as `${+x}` or `${/a/b}`.
    pub name: String,
    /// Byte range in the input: `$NAME`, or the whole `${...}`.
    pub span: Range<usize>,
    /// Whether the variable was set in the environment when evaluated.
    pub set: bool,
    /// Whether a default or alternative was given: `${V-w}`, `${V:-w}`,
    /// `${V+w}`, `${V:+w}`.
    pub has_default: bool,
}

impl VarRef {
    /// `true` for positional (`1`, `23`) and special (`@ * # ? - $ ! 0`)
    /// parameters and for the empty name; these are never set by a Dockerfile.
    pub fn is_special(&self) -> bool {
        let mut chars = self.name.chars();
        match chars.next() {
            None => true,
            Some(c) => is_go_digit(c) || (is_special_param(c) && chars.next().is_none()),
        }
    }
}

/// An expansion error. `message` uses BuildKit's wording (without BuildKit's
/// `failed to process "<word>": ` prefix); `offset` is the byte offset in the
/// input of the construct at fault (the `$` of a `${...}`, or the opening
/// quote of an unterminated string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub message: String,
    pub offset: usize,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExpandError {}

impl ExpandError {
    fn new(message: impl Into<String>, offset: usize) -> Self {
        ExpandError {
            message: message.into(),
            offset,
        }
    }
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

impl Lexer {
    /// A lexer with the given escape character and all options off
    /// (BuildKit `NewLex`).
    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
        }
    }

    /// BuildKit `ProcessWord`: quote removal and expansion, giving one word
    /// (spaces are kept).
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<Expansion, ExpandError> {
        let mut sw = ShellWord::new(self, word, env, false);
        let (value, _) = sw.process()?;
        Ok(Expansion {
            value,
            references: sw.refs,
        })
    }

    /// BuildKit `ProcessWords`: like [`Lexer::process_word`], then split into
    /// words on whitespace that is neither quoted, escaped nor the result of
    /// a quoted expansion. Whitespace produced by an unquoted `$VAR` splits.
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<String>, ExpandError> {
        let mut sw = ShellWord::new(self, word, env, false);
        let (_, words) = sw.process()?;
        Ok(words)
    }
}

/// Variables referenced in `word`, without evaluating it (every reference has
/// `set == false`). Defaults, alternatives and patterns are scanned too, as
/// BuildKit always expands them. Errors that depend on values (`${V:?msg}`,
/// bad glob patterns, unknown modifiers after a complete `${...}`) are
/// ignored; on a syntax error the references found up to it are returned.
pub fn references(word: &str, escape: char) -> Vec<VarRef> {
    let lexer = Lexer::new(escape);
    let mut sw = ShellWord::new(&lexer, word, &NoEnv, true);
    // Syntax errors end the scan; what was found so far is still useful.
    let _ = sw.process();
    sw.refs
}

// ---------------------------------------------------------------------------
// The word processor (BuildKit `shellWord`)
// ---------------------------------------------------------------------------

struct ShellWord<'a> {
    lex: &'a Lexer,
    src: &'a str,
    pos: usize,
    env: &'a dyn Env,
    raw_escapes: bool,
    refs: Vec<VarRef>,
    /// `references()` mode: keep going past value-dependent errors.
    scan_only: bool,
    /// How deep `${...:-${...}}` nests here.
    depth: usize,
}

/// Deeper nesting of `${...}` is an error (BuildKit has no limit; no real
/// file comes near it).
const MAX_NESTING: usize = 128;
/// A word that expands to more is an error (ENV chains that double).
const MAX_EXPANSION: usize = 4 * 1024 * 1024;

/// BuildKit `wordsStruct`.
#[derive(Default)]
struct Words {
    buf: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() && self.in_word {
            if !self.buf.is_empty() {
                self.words.push(std::mem::take(&mut self.buf));
                self.in_word = false;
            }
        } else if !ch.is_whitespace() {
            self.add_raw_char(ch);
        }
    }

    fn add_raw_char(&mut self, ch: char) {
        self.buf.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }

    fn add_raw_string(&mut self, s: &str) {
        self.buf.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self) -> Vec<String> {
        if !self.buf.is_empty() {
            self.words.push(self.buf);
        }
        self.words
    }
}

fn unsupported_modifier(chs: &str, offset: usize) -> ExpandError {
    ExpandError::new(
        format!("unsupported modifier ({chs}) in substitution"),
        offset,
    )
}

/// Go formats the scanner's EOF marker (-1) with `string(rune)` as U+FFFD.
const GO_EOF_RUNE: char = '\u{FFFD}';

impl<'a> ShellWord<'a> {
    fn new(lex: &'a Lexer, src: &'a str, env: &'a dyn Env, scan_only: bool) -> Self {
        // Go's text/scanner skips a byte-order mark at the start of its input.
        let pos = if src.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };
        ShellWord {
            lex,
            src,
            pos,
            env,
            raw_escapes: lex.raw_escapes,
            refs: Vec::new(),
            scan_only,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        Some(ch)
    }

    fn process(&mut self) -> Result<(String, Vec<String>), ExpandError> {
        let raw = self.raw_escapes;
        self.process_stop_on(None, raw)
    }

    fn get_env(&self, name: &str) -> (String, bool) {
        match self.env.get(name) {
            Some(v) => (v.to_owned(), true),
            None => (String::new(), false),
        }
    }

    /// BuildKit `processStopOn`: process until the end of input or `stop`.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), ExpandError> {
        // `${A:-${A:-...}}` nests by recursion: bounded, so that a hostile
        // file is an error and not a stack overflow.
        if self.depth >= MAX_NESTING {
            return Err(ExpandError::new(
                format!("variables nested more than {MAX_NESTING} deep"),
                self.pos,
            ));
        }
        self.depth += 1;
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let res = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        self.depth -= 1;
        res
    }

    fn process_stop_on_inner(
        &mut self,
        stop: Option<char>,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, words.finish()));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    if result.len() + tmp.len() > MAX_EXPANSION {
                        // `ENV B=$A$A`, `ENV C=$B$B`, ...: doubling per line.
                        return Err(ExpandError::new(
                            format!("expands to more than {} MiB", MAX_EXPANSION / (1024 * 1024)),
                            self.pos,
                        ));
                    }
                    result.push_str(&tmp);
                    words.add_string(&tmp);
                }
                '\'' => {
                    let tmp = self.process_single_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp);
                }
                '"' => {
                    let tmp = self.process_double_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&tmp);
                }
                _ => {
                    self.next();
                    let mut ch = ch;
                    if ch == self.lex.escape {
                        if self.raw_escapes {
                            words.add_raw_char(ch);
                            result.push(ch);
                        }
                        // The escape character escapes anything; at the end
                        // of input it is dropped.
                        match self.next() {
                            None => break,
                            Some(c) => {
                                ch = c;
                                words.add_raw_char(c);
                            }
                        }
                    } else {
                        words.add_char(ch);
                    }
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            // Callers always replace this one (it only happens at EOF).
            return Err(ExpandError::new(
                format!("unexpected end of statement while looking for matching {stop}"),
                self.pos,
            ));
        }
        Ok((result, words.finish()))
    }

    /// Consume an opening quote: where it is, and the result so far (the
    /// quote itself when quotes are kept raw).
    fn open_quote(&mut self) -> (usize, String) {
        let start = self.pos;
        let mut result = String::new();
        if let Some(q) = self.next() {
            if self.lex.raw_quotes {
                result.push(q);
            }
        }
        (start, result)
    }

    /// BuildKit `processSingleQuote`: everything up to the next `'` is
    /// literal; there is no way to escape `'`.
    fn process_single_quote(&mut self) -> Result<String, ExpandError> {
        let (start, mut result) = self.open_quote();
        loop {
            match self.next() {
                None => {
                    return Err(ExpandError::new(
                        "unexpected end of statement while looking for matching single-quote",
                        start,
                    ));
                }
                Some('\'') => {
                    if self.lex.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    /// BuildKit `processDoubleQuote`: `$` expands; the escape character only
    /// escapes `"`, `$` and itself, otherwise it is kept.
    fn process_double_quote(&mut self) -> Result<String, ExpandError> {
        let (start, mut result) = self.open_quote();
        loop {
            match self.peek() {
                None => {
                    return Err(ExpandError::new(
                        "unexpected end of statement while looking for matching double-quote",
                        start,
                    ));
                }
                Some('"') => {
                    self.next();
                    if self.lex.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(c) => {
                    self.next();
                    let mut ch = c;
                    if ch == self.lex.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            // Ignore the escape at the end of the word (the
                            // missing quote is reported next).
                            None => continue,
                            Some(n) if n == '"' || n == '$' || n == self.lex.escape => {
                                self.next();
                                ch = n;
                            }
                            // Not escapable: the escape character is kept
                            // (and, with raw escapes, emitted twice, as in
                            // BuildKit).
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// BuildKit `processName`: a run of digits (positional parameter), one
    /// special parameter character, or letters/digits/underscores.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_go_digit(ch) {
                while let Some(c) = self.peek() {
                    if !is_go_digit(c) {
                        break;
                    }
                    self.next();
                    name.push(c);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.next();
                return ch.to_string();
            }
            if !is_go_letter(ch) && !is_go_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// BuildKit `processDollar`; the scanner is on the `$`.
    fn process_dollar(&mut self) -> Result<String, ExpandError> {
        let start = self.pos;
        self.next();

        // $xxx case
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_owned());
            }
            let (value, set) = self.get_env(&name);
            self.refs.push(VarRef {
                name: name.clone(),
                span: start..self.pos,
                set,
                has_default: false,
            });
            if !set && self.lex.skip_unset_env {
                return Ok(format!("${name}"));
            }
            return Ok(value);
        }

        self.next(); // '{'
        match self.peek() {
            None => return Err(ExpandError::new("syntax error: missing '}'", start)),
            Some('{' | '}' | ':') => {
                // Invalid ${{xx}, ${:xx}, ${:}, ${} cases
                return Err(ExpandError::new("syntax error: bad substitution", start));
            }
            Some(_) => {}
        }
        let name = self.process_name();
        let idx = self.refs.len();
        self.refs.push(VarRef {
            name: name.clone(),
            span: start..self.pos,
            set: false,
            has_default: false,
        });
        let res = self.process_braced(start, &name, idx);
        if res.is_err() && name.is_empty() && idx < self.refs.len() {
            // `${.}`, `${%}`...: no variable was being referenced.
            self.refs.remove(idx);
        } else if let Some(r) = self.refs.get_mut(idx) {
            r.span.end = self.pos;
        }
        res
    }

    /// The part of `processDollar` after `${NAME`.
    fn process_braced(
        &mut self,
        start: usize,
        name: &str,
        idx: usize,
    ) -> Result<String, ExpandError> {
        let Some(ch) = self.next() else {
            // DEVIATION: BuildKit says "unsupported modifier (\u{FFFD}) in
            // substitution" here.
            return Err(ExpandError::new("syntax error: missing '}'", start));
        };
        let mut chs = ch.to_string();
        match ch {
            '}' => {
                // Normal ${xx} case
                let (value, set) = self.lookup(name, idx);
                if !set && self.lex.skip_unset_env {
                    return Ok(format!("${{{name}}}"));
                }
                Ok(value)
            }
            ':' | '+' | '-' | '?' | '#' | '%' => {
                let null_is_unset = ch == ':';
                let op = if null_is_unset {
                    let op = self.next();
                    chs.push(op.unwrap_or(GO_EOF_RUNE));
                    op
                } else {
                    Some(ch)
                };
                if let Some(r) = self.refs.get_mut(idx) {
                    r.has_default = matches!(op, Some('-' | '+'));
                }
                let raw_escapes = matches!(op, Some('#' | '%'));
                if null_is_unset && raw_escapes {
                    return Err(unsupported_modifier(&chs, start));
                }
                let word = self.word_until('}', raw_escapes, "syntax error: missing '}'", start)?;

                let (value, set) = self.lookup(name, idx);
                if self.lex.skip_unset_env && !set {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }
                let is_null = |value: &str| !set || (null_is_unset && value.is_empty());
                match op {
                    Some('-') => Ok(if is_null(&value) { word } else { value }),
                    Some('+') => Ok(if is_null(&value) { String::new() } else { word }),
                    Some('?') => {
                        let default = if !set {
                            "is not allowed to be unset"
                        } else if null_is_unset && value.is_empty() {
                            "is not allowed to be empty"
                        } else {
                            return Ok(value);
                        };
                        let message = if word.is_empty() {
                            default
                        } else {
                            word.as_str()
                        };
                        self.semantic_error(ExpandError::new(format!("{name}: {message}"), start))
                    }
                    Some(op @ ('%' | '#')) => {
                        // %/# match the shortest pattern expansion, %%/## the longest
                        let (greedy, pattern) = match word.strip_prefix(op) {
                            Some(rest) => (true, rest),
                            None => (false, word.as_str()),
                        };
                        let res = if op == '%' {
                            trim_suffix(pattern, &value, greedy)
                        } else {
                            trim_prefix(pattern, &value, greedy)
                        };
                        match res {
                            Ok(v) => Ok(v),
                            Err(e) => self.semantic_error(ExpandError::new(e, start)),
                        }
                    }
                    _ => self.semantic_error(unsupported_modifier(&chs, start)),
                }
            }
            '/' => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.next();
                }
                let pattern =
                    self.word_until('/', true, "syntax error: missing '/' in ${}", start)?;
                let replacement = self.word_until('}', true, "syntax error: missing '}'", start)?;
                let (value, set) = self.lookup(name, idx);
                if self.lex.skip_unset_env && !set {
                    // Sic: BuildKit drops the second '/' of `${V//p/r}`.
                    return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                }
                let glob = match Glob::compile(&pattern, true) {
                    Ok(g) => g,
                    Err(e) => {
                        return self.semantic_error(ExpandError::new(
                            format!("invalid pattern ({pattern}) in substitution: {e}"),
                            start,
                        ));
                    }
                };
                let chars: Vec<char> = value.chars().collect();
                if replace_all {
                    Ok(glob.replace_all(&chars, &replacement))
                } else {
                    let mut m = Matcher::new(&glob, &chars);
                    Ok(match m.find(0, false) {
                        Some((s, e)) => {
                            let mut out: String = chars[..s].iter().collect();
                            out.push_str(&replacement);
                            out.extend(&chars[e..]);
                            out
                        }
                        None => value,
                    })
                }
            }
            _ => Err(unsupported_modifier(&chs, start)),
        }
    }

    /// Look `name` up and record the outcome in reference `idx`.
    fn lookup(&mut self, name: &str, idx: usize) -> (String, bool) {
        let (value, set) = self.get_env(name);
        if let Some(r) = self.refs.get_mut(idx) {
            r.set = set;
        }
        (value, set)
    }

    /// The word up to `stop` (consumed), or, when the text ends before it,
    /// the error `message` as BuildKit words it.
    fn word_until(
        &mut self,
        stop: char,
        raw_escapes: bool,
        message: &str,
        start: usize,
    ) -> Result<String, ExpandError> {
        match self.process_stop_on(Some(stop), raw_escapes) {
            Ok((w, _)) => Ok(w),
            Err(e) => Err(self.missing_close(e, message, start)),
        }
    }

    /// BuildKit replaces any error from a nested word that ran into the end
    /// of the input with a "missing" error for the enclosing `${`.
    fn missing_close(&self, err: ExpandError, message: &str, start: usize) -> ExpandError {
        if self.peek().is_none() {
            ExpandError::new(message, start)
        } else {
            err
        }
    }

    /// An error that depends on values, not on syntax: fatal when expanding,
    /// skipped when only collecting references.
    fn semantic_error(&self, err: ExpandError) -> Result<String, ExpandError> {
        if self.scan_only {
            Ok(String::new())
        } else {
            Err(err)
        }
    }
}

/// BuildKit `isSpecialParam`.
fn is_special_param(ch: char) -> bool {
    matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

mod glob;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;
mod unicode;

use glob::*;
use unicode::*;
