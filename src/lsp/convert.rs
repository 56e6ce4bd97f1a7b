//! Byte offsets <-> LSP positions, in one place. The LSP counts columns in
//! UTF-16 code units unless the client and server agree on UTF-8; every other
//! module of `lsp` converts through here.

use ls_types::{Position, PositionEncodingKind, Range};
use tower_lsp_server::ls_types;

use crate::diagnostic::Span;
use crate::line_index::{floor_char_boundary, LineIndex};

/// The column unit agreed with the client at `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf16,
    Utf8,
}

impl Encoding {
    /// UTF-8 when the client offers it (`general.positionEncodings`), else UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf8 => PositionEncodingKind::UTF8,
        }
    }
}

/// A text with its line index, for converting positions.
#[derive(Debug, Clone, Copy)]
pub struct Converter<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub encoding: Encoding,
}

impl<'a> Converter<'a> {
    pub fn new(text: &'a str, index: &'a LineIndex, encoding: Encoding) -> Self {
        Converter {
            text,
            index,
            encoding,
        }
    }

    /// The position of a byte offset (clamped to the text, floored to a character).
    pub fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.index.line_of(offset);
        let start = self.index.line_start(line);
        let column = match self.encoding {
            Encoding::Utf16 => self.text[start..offset].encode_utf16().count(),
            Encoding::Utf8 => offset - start,
        };
        Position::new(to_u32(line), to_u32(column))
    }

    /// The byte offset of a position. A column past the end of its line
    /// clamps to the line's end (before its `\n`), a line past the end to the
    /// end of the text; a column inside a character moves to its start.
    pub fn offset(&self, pos: Position) -> usize {
        let line = pos.line as usize;
        if line >= self.index.line_count() {
            return self.text.len();
        }
        let start = self.index.line_start(line);
        let end = self.index.line_end(line);
        let body = &self.text[start..end];
        let body = body.strip_suffix('\n').unwrap_or(body);
        let want = pos.character as usize;
        match self.encoding {
            Encoding::Utf8 => start + floor_char_boundary(body, want.min(body.len())),
            Encoding::Utf16 => {
                let mut units = 0;
                for (i, ch) in body.char_indices() {
                    if units >= want {
                        return start + i;
                    }
                    units += ch.len_utf16();
                    if units > want {
                        return start + i;
                    }
                }
                start + body.len()
            }
        }
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte span of a range; a reversed range is put in order.
    pub fn span(&self, range: Range) -> Span {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        Span::new(a.min(b), a.max(b))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn conv(text: &str, enc: Encoding, f: impl FnOnce(Converter<'_>)) {
        let index = LineIndex::new(text);
        f(Converter::new(text, &index, enc));
    }

    #[test]
    fn non_ascii_utf16_and_utf8() {
        // "é" is 2 bytes / 1 UTF-16 unit; "😀" is 4 bytes / 2 units.
        let text = "FROM é😀x AS b\nRUN ü\r\n";
        let x = text.find('x').unwrap();
        conv(text, Encoding::Utf16, |c| {
            assert_eq!(c.position(x), Position::new(0, 8));
            assert_eq!(c.offset(Position::new(0, 8)), x);
            // Inside the surrogate pair: the start of the emoji.
            assert_eq!(c.offset(Position::new(0, 7)), text.find('😀').unwrap());
            let u = text.find('ü').unwrap();
            assert_eq!(c.position(u), Position::new(1, 4));
            assert_eq!(c.position(u + 2), Position::new(1, 5));
            // Past the end of a line: its end, `\r` kept (it belongs to the line).
            assert_eq!(c.offset(Position::new(0, 99)), text.find('\n').unwrap());
            assert_eq!(c.offset(Position::new(9, 0)), text.len());
        });
        conv(text, Encoding::Utf8, |c| {
            assert_eq!(c.position(x), Position::new(0, 11));
            assert_eq!(c.offset(Position::new(0, 11)), x);
            // Inside a character: its start.
            assert_eq!(c.offset(Position::new(0, 6)), text.find('é').unwrap());
        });
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        let only16 = [PositionEncodingKind::UTF16];
        assert_eq!(Encoding::negotiate(Some(&only16)), Encoding::Utf16);
    }

    proptest! {
        #[test]
        fn offsets_round_trip(text in "[a-zé😀\\n\\r \\\\]{0,60}", utf8 in any::<bool>()) {
            let enc = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
            let index = LineIndex::new(&text);
            let c = Converter::new(&text, &index, enc);
            for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
                prop_assert_eq!(c.offset(c.position(i)), i);
            }
        }
    }
}
