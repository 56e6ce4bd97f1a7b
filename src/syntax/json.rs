//! The exec form: a JSON array of strings, read the way Go's
//! `encoding/json` reads it, with the span of every element.

use serde_json::Value;

pub(crate) enum JsonArgs {
    /// All elements are strings: `(start, end, decoded)` offsets into the input.
    Strings(Vec<(usize, usize, String)>),
    /// Valid JSON, but not an array of strings: BuildKit rejects the instruction.
    NotStringArray,
    /// Not JSON: the instruction is in shell form.
    NotJson,
}

pub(crate) fn parse(s: &str) -> JsonArgs {
    let trimmed = s.trim_start();
    if !trimmed.starts_with('[') {
        return JsonArgs::NotJson;
    }
    let base = s.len() - trimmed.len();
    match scan(trimmed) {
        Some(items) => JsonArgs::Strings(
            items
                .into_iter()
                .map(|(a, b, v)| (a + base, b + base, v))
                .collect(),
        ),
        None => match serde_json::from_str::<Vec<Value>>(trimmed) {
            Ok(_) => JsonArgs::NotStringArray,
            Err(_) => JsonArgs::NotJson,
        },
    }
}

/// `[ "a" , "b" ]` followed by nothing but whitespace.
fn scan(s: &str) -> Option<Vec<(usize, usize, String)>> {
    let b = s.as_bytes();
    let mut i = 1; // past '['
    let mut out = Vec::new();
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    ws(&mut i);
    if b.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            ws(&mut i);
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let start = i;
            let (value, next) = string(s, i)?;
            out.push((start, next, value));
            i = next;
            ws(&mut i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    ws(&mut i);
    (i == b.len()).then_some(out)
}

/// A JSON string starting at `s[i] == '"'`: its value and the offset past it.
fn string(s: &str, mut i: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    i += 1;
    let mut out = String::new();
    loop {
        let c = s[i..].chars().next()?;
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => {
                let e = *b.get(i + 1)?;
                i += 2;
                match e {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let hi = hex4(s, i)?;
                        i += 4;
                        if (0xD800..0xDC00).contains(&hi) && s[i..].starts_with("\\u") {
                            if let Some(lo) =
                                hex4(s, i + 2).filter(|lo| (0xDC00..0xE000).contains(lo))
                            {
                                i += 6;
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                continue;
                            }
                        }
                        // Go replaces a lone surrogate with U+FFFD.
                        out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                    }
                    _ => return None,
                }
            }
            c if (c as u32) < 0x20 => return None,
            c => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
}

fn hex4(s: &str, i: usize) -> Option<u32> {
    let h = s.get(i..i + 4)?;
    if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(h, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        match parse(s) {
            JsonArgs::Strings(v) => v.into_iter().map(|x| x.2).collect(),
            JsonArgs::NotStringArray => vec!["<not strings>".into()],
            JsonArgs::NotJson => vec!["<not json>".into()],
        }
    }

    #[test]
    fn reads_like_go() {
        assert_eq!(strings(r#"["a", "b c"]"#), ["a", "b c"]);
        assert_eq!(strings(r#"[]"#), Vec::<String>::new());
        assert_eq!(strings(r#"["\u00e9\n"]"#), ["é\n"]);
        assert_eq!(strings(r#"["\ud83d\ude00"]"#), ["😀"]);
        assert_eq!(strings(r#"["a", 1]"#), ["<not strings>"]);
        assert_eq!(strings(r#"["a", 'b']"#), ["<not json>"]);
        assert_eq!(strings(r#"["a",]"#), ["<not json>"]);
        assert_eq!(strings(r#"["a"] x"#), ["<not json>"]);
        assert_eq!(strings(r#"echo ["a"]"#), ["<not json>"]);
    }

    #[test]
    fn spans_cover_the_quoted_element() {
        let s = r#"[ "a",  "b" ]"#;
        let JsonArgs::Strings(v) = parse(s) else {
            panic!()
        };
        assert_eq!(&s[v[1].0..v[1].1], "\"b\"");
    }
}
