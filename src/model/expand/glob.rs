//! Glob patterns of `${V#p}`, `${V%p}`, `${V/p/r}` (BuildKit's
//! `convertShellPatternToRegex` and friends) and the parts of Go's regexp
//! replacement they go through.

use std::collections::HashSet;

use super::unicode::{is_go_digit, is_go_letter};
use super::GO_EOF_RUNE;

// ---------------------------------------------------------------------------
// Glob patterns (BuildKit `convertShellPatternToRegex` and friends)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GlobTok {
    /// `*`: any run of characters other than `\n`.
    Star,
    /// `?`: one character other than `\n`.
    Any,
    Lit(char),
}

/// A compiled pattern. BuildKit builds a Go regular expression out of `*`
/// (`.*` or, when not greedy, `.*?`), `?` (`.`) and escaped literals, and
/// uses its leftmost-first match; [`Matcher`] reproduces those semantics.
#[derive(Debug, Clone)]
pub(super) struct Glob {
    toks: Vec<GlobTok>,
    greedy: bool,
}

impl Glob {
    pub(super) fn compile(pattern: &str, greedy: bool) -> Result<Glob, String> {
        // The pattern is read with Go's text/scanner, which skips a BOM.
        let pattern = pattern.strip_prefix('\u{FEFF}').unwrap_or(pattern);
        let mut toks = Vec::with_capacity(pattern.len());
        let mut it = pattern.chars().peekable();
        while let Some(tok) = it.next() {
            toks.push(match tok {
                '*' => GlobTok::Star,
                '?' => GlobTok::Any,
                '\\' => {
                    // } and / as part of ${} need to be escaped, but the
                    // escape isn't part of the pattern
                    if matches!(it.peek(), Some('}' | '/')) {
                        continue;
                    }
                    match it.next() {
                        Some(c @ ('*' | '?' | '\\')) => GlobTok::Lit(c),
                        other => {
                            return Err(format!(
                                "invalid escape '\\{}'",
                                other.unwrap_or(GO_EOF_RUNE)
                            ));
                        }
                    }
                }
                c => GlobTok::Lit(c),
            });
        }
        Ok(Glob { toks, greedy })
    }

    /// Go `Regexp.ReplaceAllString(value, replacement)`.
    pub(super) fn replace_all(&self, v: &[char], replacement: &str) -> String {
        let mut m = Matcher::new(self, v);
        let mut out = String::new();
        let mut last_end = 0;
        let mut search = 0;
        while search <= v.len() {
            let Some((s, e)) = m.find(search, false) else {
                break;
            };
            out.extend(&v[last_end..s]);
            // No replacement for an empty match right after a match.
            if e > last_end || s == 0 {
                let matched: String = v[s..e].iter().collect();
                go_expand(replacement, &matched, &mut out);
            }
            last_end = e;
            // Advance past this match; always advance at least one character.
            search = if e > search { e } else { search + 1 };
        }
        out.extend(&v[last_end..]);
        out
    }

    #[cfg(test)]
    pub(super) fn regex_string(&self, anchored: bool) -> String {
        let mut out = String::new();
        if anchored {
            out.push('^');
        }
        for t in &self.toks {
            match t {
                GlobTok::Star if self.greedy => out.push_str(".*"),
                GlobTok::Star => out.push_str(".*?"),
                GlobTok::Any => out.push('.'),
                GlobTok::Lit(c) => {
                    if "[]{}.+()|^$*?\\".contains(*c) {
                        out.push('\\');
                    }
                    out.push(*c);
                }
            }
        }
        out
    }
}

/// Go's `Regexp.Expand` for a regexp without groups: `$0`/`${0}` is the
/// match, `$$` is `$`, other well-formed references are empty, and a
/// malformed one keeps its `$`.
pub(super) fn go_expand(template: &str, matched: &str, out: &mut String) {
    let mut t = template;
    while let Some(i) = t.find('$') {
        out.push_str(&t[..i]);
        t = &t[i + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            out.push('$');
            t = rest;
            continue;
        }
        match go_extract(t) {
            None => out.push('$'),
            Some((num, rest)) => {
                if num == Some(0) {
                    out.push_str(matched);
                }
                t = rest;
            }
        }
    }
    out.push_str(t);
}

/// Go's `extract`: a group name or number after `$`, optionally in braces.
pub(super) fn go_extract(s: &str) -> Option<(Option<u64>, &str)> {
    let (brace, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body
        .chars()
        .take_while(|&c| is_go_letter(c) || is_go_digit(c) || c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let mut end = len;
    if brace {
        if !body[len..].starts_with('}') {
            return None;
        }
        end += 1;
    }
    let mut num: Option<u64> = Some(0);
    for b in name.bytes() {
        match num {
            Some(n) if b.is_ascii_digit() && n < 100_000_000 => {
                num = Some(n * 10 + u64::from(b - b'0'));
            }
            _ => {
                num = None;
                break;
            }
        }
    }
    if name.len() > 1 && name.starts_with('0') {
        num = None;
    }
    Some((num, &body[end..]))
}

/// Backtracking matcher with a visited set over (token, position) states,
/// like Go's `regexp` backtracker: the first match found in priority order is
/// the leftmost-first match, and each state is explored at most once.
pub(super) struct Matcher<'g, 'v> {
    glob: &'g Glob,
    v: &'v [char],
    visited: Visited,
    stack: Vec<(usize, usize)>,
}

pub(super) enum Visited {
    Bits { bits: Vec<u64>, touched: Vec<usize> },
    Set(HashSet<usize>),
}

impl Visited {
    pub(super) fn new(states: usize) -> Self {
        if states <= 1 << 22 {
            Visited::Bits {
                bits: vec![0; states.div_ceil(64)],
                touched: Vec::new(),
            }
        } else {
            Visited::Set(HashSet::new())
        }
    }

    /// Mark `i`; `false` if it was already marked.
    pub(super) fn insert(&mut self, i: usize) -> bool {
        match self {
            Visited::Bits { bits, touched } => {
                let (w, b) = (i / 64, 1u64 << (i % 64));
                match bits.get_mut(w) {
                    Some(word) if *word & b == 0 => {
                        *word |= b;
                        touched.push(w);
                        true
                    }
                    _ => false,
                }
            }
            Visited::Set(s) => s.insert(i),
        }
    }

    pub(super) fn clear(&mut self) {
        match self {
            Visited::Bits { bits, touched } => {
                for w in touched.drain(..) {
                    if let Some(word) = bits.get_mut(w) {
                        *word = 0;
                    }
                }
            }
            Visited::Set(s) => s.clear(),
        }
    }
}

impl<'g, 'v> Matcher<'g, 'v> {
    pub(super) fn new(glob: &'g Glob, v: &'v [char]) -> Self {
        let states = (glob.toks.len() + 1).saturating_mul(v.len() + 1);
        Matcher {
            glob,
            v,
            visited: Visited::new(states),
            stack: Vec::new(),
        }
    }

    /// The leftmost-first match starting at or after `from` (only at `from`
    /// when `anchored`), as `(start, end)` char indices.
    pub(super) fn find(&mut self, from: usize, anchored: bool) -> Option<(usize, usize)> {
        // A state that failed from one start fails from any other, so the
        // visited set is shared by all starts of one search.
        self.visited.clear();
        let last = if anchored { from } else { self.v.len() };
        (from..=last).find_map(|s| self.match_at(s).map(|e| (s, e)))
    }

    pub(super) fn match_at(&mut self, start: usize) -> Option<usize> {
        let toks = &self.glob.toks;
        let width = self.v.len() + 1;
        self.stack.clear();
        self.stack.push((0, start));
        while let Some((ti, vi)) = self.stack.pop() {
            if !self.visited.insert(ti * width + vi) {
                continue;
            }
            let Some(tok) = toks.get(ti) else {
                return Some(vi);
            };
            let cur = self.v.get(vi).copied();
            let any = matches!(cur, Some(c) if c != '\n');
            match *tok {
                GlobTok::Lit(c) => {
                    if cur == Some(c) {
                        self.stack.push((ti + 1, vi + 1));
                    }
                }
                GlobTok::Any => {
                    if any {
                        self.stack.push((ti + 1, vi + 1));
                    }
                }
                // The alternative pushed last is tried first.
                GlobTok::Star if self.glob.greedy => {
                    self.stack.push((ti + 1, vi));
                    if any {
                        self.stack.push((ti, vi + 1));
                    }
                }
                GlobTok::Star => {
                    if any {
                        self.stack.push((ti, vi + 1));
                    }
                    self.stack.push((ti + 1, vi));
                }
            }
        }
        None
    }
}

/// BuildKit `trimPrefix`: remove the shortest (longest if `greedy`) prefix of
/// `value` matching `pattern`.
pub(super) fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let glob = Glob::compile(pattern, greedy)
        .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
    let chars: Vec<char> = value.chars().collect();
    let mut m = Matcher::new(&glob, &chars);
    Ok(match m.find(0, true) {
        Some((_, e)) => chars[e..].iter().collect(),
        None => value.to_owned(),
    })
}

/// BuildKit `reversePattern`: reverse a pattern keeping escape pairs in
/// order (`a\*c` → `c\*a`).
pub(super) fn reverse_pattern(pattern: &str) -> String {
    let p: Vec<char> = pattern.chars().collect();
    let mut out = p.clone();
    let Some(last) = p.len().checked_sub(1) else {
        return String::new();
    };
    let mut i = 0;
    while i <= last {
        let tok = p[i];
        let out_idx = last - i;
        if tok == '\\' && i != last && out_idx >= 1 {
            out[out_idx - 1] = tok;
            out[out_idx] = p[i + 1];
            i += 2;
        } else {
            out[out_idx] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

pub(super) fn reverse_string(s: &str) -> String {
    s.chars().rev().collect()
}

/// BuildKit `trimSuffix`: reverses pattern and value to turn the shortest /
/// longest suffix into a prefix search.
pub(super) fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let reversed = trim_prefix(&reverse_pattern(pattern), &reverse_string(value), greedy)?;
    Ok(reverse_string(&reversed))
}
