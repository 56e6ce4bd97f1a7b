//! Small helpers several rules share.

use std::ops::Range;

use crate::diagnostic::Span;
use crate::model::{Base, Model};
use crate::syntax::{Args, Flag, Kind, Word};

/// The source span of `range` inside `word`'s text, or the whole word when
/// the word's text is not a plain copy of its source (line continuations).
pub(crate) fn sub_span(word: &Word, range: &Range<usize>) -> Span {
    if word.span.len() == word.text.len() && range.end <= word.text.len() {
        Span::new(word.span.start + range.start, word.span.start + range.end)
    } else {
        word.span
    }
}

/// The flag's value as a word, with its span (quotes removed: the span is
/// only exact when the value was not quoted).
pub(crate) fn flag_word(flag: &Flag) -> Option<Word> {
    let value = flag.value.clone()?;
    let span = flag.value_span.unwrap_or(flag.span);
    Some(Word { span, text: value })
}

/// Whether a stage, or a stage it is built FROM, has an instruction of
/// `kind` before instruction `before`.
pub(crate) fn earlier_in_chain(model: &Model<'_>, stage: usize, before: usize, kind: Kind) -> bool {
    model.base_chain(stage).any(|s| {
        let before = if s == stage { before } else { usize::MAX };
        model.stages[s]
            .body
            .iter()
            .any(|&i| i < before && model.instruction(i).kind() == kind)
    })
}

/// The base a stage finally rests on, following FROM <stage> (a stage, for
/// a FROM chain that loops).
pub(crate) fn root_base<'m>(model: &'m Model<'_>, stage: usize) -> &'m Base {
    let last = model.base_chain(stage).last().unwrap_or(stage);
    &model.stages[last].base
}

/// The words of an instruction that BuildKit expands with ARG/ENV values.
pub(crate) fn expanded_words(args: &Args) -> Vec<&Word> {
    match args {
        Args::List(w) | Args::Exec(w) => w.iter().collect(),
        Args::Text(w) => vec![w],
        Args::KeyValues { pairs, .. } => pairs.iter().filter_map(|kv| kv.value.as_ref()).collect(),
        _ => Vec::new(),
    }
}

/// A word of instruction `ii` as BuildKit reads it: variables expanded,
/// quotes removed. `None` when it cannot be worked out.
pub(crate) fn expanded(model: &Model<'_>, ii: usize, text: &str) -> Option<String> {
    let escape = model.ast.escape;
    match model.instructions[ii].stage {
        Some(stage) => model.scope.expand_at(ii, stage, text, escape),
        None => model.scope.expand_global(text, escape),
    }
}

/// The span of the whole lines an instruction's node covers.
pub(crate) fn node_lines(model: &Model<'_>, ii: usize) -> Span {
    model.ast.nodes[model.instructions[ii].node].lines
}

/// Whether `s` is a valid image reference as `reference.ParseNormalizedNamed`
/// accepts it: `[domain/]path[:tag][@digest]`, path components lower case.
pub(crate) fn valid_image_reference(s: &str) -> bool {
    if s.is_empty() || s.len() > 255 + 128 + 80 {
        return false;
    }
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let Some((algo, hex)) = d.split_once(':') else {
            return false;
        };
        let algo_ok = !algo.is_empty()
            && algo.split(['+', '.', '_', '-']).all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        let hex_ok = hex.len() >= 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-');
        if !algo_ok || !hex_ok {
            return false;
        }
    }
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].find(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if let Some(t) = tag {
        let mut b = t.bytes();
        let first_ok = b
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
        if !first_ok
            || t.len() > 128
            || !b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-')
        {
            return false;
        }
    }
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            let (host, port) = match first.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (first, None),
            };
            let host_ok = !host.is_empty()
                && host
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.');
            let port_ok =
                port.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
            if !host_ok || !port_ok {
                return false;
            }
            parts.remove(0);
        }
    }
    parts.iter().all(|p| path_component_ok(p))
}

fn path_component_ok(p: &str) -> bool {
    // [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
    let b = p.as_bytes();
    if b.is_empty() {
        return false;
    }
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        let sep_start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &p[sep_start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok || i == b.len() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "docker.io/library/alpine:latest",
            "localhost:5000/a/b:c",
            "ghcr.io/o/r@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "my_image__x-y",
        ] {
            assert!(valid_image_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "alpine:",
            "Alpine",
            "a::b",
            "busybox:@x",
            "a//b",
            "-a",
            "img:-x",
        ] {
            assert!(!valid_image_reference(bad), "{bad}");
        }
    }
}
