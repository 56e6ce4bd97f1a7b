//! The text a shell runs for an instruction, with a map back to the file.

use crate::syntax::{Args, Instruction, Kind};
use crate::text::Span;

/// Shell text assembled from pieces of the Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScriptSource {
    pub text: String,
    /// `(offset in text, offset in the file)` where each piece starts; a
    /// synthetic piece (a newline we add) maps to `usize::MAX`.
    pieces: Vec<(usize, usize)>,
    /// Where the whole script sits in the file (for synthetic positions).
    pub whole: Span,
}

impl ScriptSource {
    /// Text that is one contiguous piece of the file.
    pub fn contiguous(text: &str, at: usize) -> ScriptSource {
        ScriptSource {
            text: text.to_string(),
            pieces: vec![(0, at)],
            whole: Span::new(at, at + text.len()),
        }
    }

    /// The same source moved so that it starts at offset 1 of the file, and
    /// how far it moved. Parsing it gives the spans of parsing `self` less
    /// the distance; offset 0 stays free for the parser's synthetic empty
    /// spans (`Span::empty(0)`). `None` when `self` starts at 0.
    pub(super) fn at_offset_one(&self) -> Option<(ScriptSource, usize)> {
        let delta = self.whole.start.checked_sub(1)?;
        let pieces = self
            .pieces
            .iter()
            .map(|&(l, s)| (l, if s == usize::MAX { s } else { s - delta }))
            .collect();
        Some((
            ScriptSource {
                text: self.text.clone(),
                pieces,
                whole: Span::new(1, self.whole.end - delta),
            },
            delta,
        ))
    }

    fn push(&mut self, text: &str, at: Option<usize>) {
        self.pieces
            .push((self.text.len(), at.unwrap_or(usize::MAX)));
        self.text.push_str(text);
    }

    fn map(&self, i: usize, end: bool) -> usize {
        let k = if end {
            self.pieces.partition_point(|&(l, _)| l < i)
        } else {
            self.pieces.partition_point(|&(l, _)| l <= i)
        };
        match k.checked_sub(1).and_then(|k| self.pieces.get(k)) {
            Some(&(_, usize::MAX)) | None => {
                if end {
                    self.whole.end
                } else {
                    self.whole.start
                }
            }
            Some(&(l, s)) => s + (i - l),
        }
    }

    /// The file span of `a..b` in the script text.
    pub fn span(&self, a: usize, b: usize) -> Span {
        if a >= b {
            let at = self.map(a, false).min(self.whole.end.max(self.whole.start));
            return Span::empty(at);
        }
        let s = self.map(a, false);
        let e = self.map(b, true);
        if e < s {
            Span::new(s, s)
        } else {
            Span::new(s, e)
        }
    }

    /// The shell program of a shell-form RUN, CMD or ENTRYPOINT: the
    /// argument text, and for RUN the heredocs, as the shell receives them.
    /// A RUN that is only a heredoc runs the heredoc's body as the script.
    pub fn for_instruction(inst: &Instruction, _text: &str) -> Option<ScriptSource> {
        match &inst.args {
            Args::Shell(_) => {}
            Args::Exec(_) => return ScriptSource::for_exec_shell(inst),
            _ => return None,
        }
        let only_heredoc = inst.heredocs.len() == 1
            && inst.args_text.trim() == text_of_opener(inst).unwrap_or_default()
            && inst.kind() == Kind::Run;
        if only_heredoc {
            let h = &inst.heredocs[0];
            // BuildKit runs the body with the shell; a shebang picks another interpreter.
            if h.content.starts_with("#!")
                && !h.content.starts_with("#!/bin/sh")
                && !h.content.starts_with("#!/bin/bash")
            {
                return None;
            }
            let mut s = ScriptSource::contiguous(&h.content, h.content_span.start);
            s.whole = inst.span;
            return Some(s);
        }
        let mut s = ScriptSource {
            whole: inst.span,
            ..ScriptSource::default()
        };
        let pieces = &inst.args_pieces;
        for (i, &(l, src)) in pieces.iter().enumerate() {
            let end = pieces.get(i + 1).map_or(inst.args_text.len(), |p| p.0);
            s.push(&inst.args_text[l..end], Some(src));
        }
        if pieces.is_empty() {
            s.push(&inst.args_text, Some(inst.args_span.start));
        }
        for h in &inst.heredocs {
            s.push("\n", None);
            s.push(&h.content, Some(h.content_span.start));
            if !h.content.is_empty() && !h.content.ends_with('\n') {
                s.push("\n", None);
            }
            match h.terminator {
                Some(t) => s.push(&h.name, Some(t.end - h.name.len())),
                None => s.push(&h.name, None),
            }
        }
        Some(s)
    }

    /// `["sh", "-c", "script"]` (or bash, with any flags before `-c`).
    pub fn for_exec_shell(inst: &Instruction) -> Option<ScriptSource> {
        let Args::Exec(words) = &inst.args else {
            return None;
        };
        let shell = words.first()?;
        let base = shell.text.rsplit('/').next().unwrap_or(&shell.text);
        if !matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh") {
            return None;
        }
        let c = words.iter().position(|w| {
            w.text == "-c"
                || (w.text.starts_with('-') && w.text.ends_with('c') && !w.text.starts_with("--"))
        })?;
        let body = words.get(c + 1)?;
        // The decoded JSON string; positions inside map to its quoted span when no escapes changed lengths.
        let exact = body.span.len() == body.text.len() + 2;
        if exact {
            let mut s = ScriptSource::contiguous(&body.text, body.span.start + 1);
            s.whole = body.span;
            Some(s)
        } else {
            Some(ScriptSource {
                text: body.text.clone(),
                pieces: vec![(0, usize::MAX)],
                whole: body.span,
            })
        }
    }
}

fn text_of_opener(inst: &Instruction) -> Option<String> {
    let h = inst.heredocs.first()?;
    let start = h.opener.start.checked_sub(inst.args_span.start)?;
    // The opener's text as it stands in args_text (single line in practice).
    let pieces_ok = inst.args_pieces.len() <= 1;
    if !pieces_ok {
        return None;
    }
    inst.args_text
        .get(start..start + h.opener.len())
        .map(str::to_string)
}

/// Char index -> byte offset, as brush counts characters.
pub(super) struct CharIndex {
    bytes: Vec<usize>,
}

impl CharIndex {
    pub(super) fn new(text: &str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        bytes.push(text.len());
        CharIndex { bytes }
    }
    pub(super) fn byte(&self, char_index: usize) -> usize {
        self.bytes
            .get(char_index)
            .copied()
            .unwrap_or(*self.bytes.last().unwrap_or(&0))
    }
}
