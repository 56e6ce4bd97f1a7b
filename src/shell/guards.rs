//! What the shell parser is not given: scripts that would crash it
//! (file-descriptor numbers it cannot hold) or cost it time that grows
//! exponentially (deep nesting, unclosed subshells). The checks are cheap
//! scans over the text, made before brush-parser sees it.

/// The deepest nesting of shell constructs rdock analyses.
pub const MAX_NESTING: usize = 64;

/// The longest shell script (a RUN body) rdock analyses. A parsed script
/// takes about 200 bytes of memory per byte of text (the parser's tree and
/// rdock's commands and words); no real RUN body comes near this.
pub const MAX_SCRIPT_BYTES: usize = 256 << 10;

/// The most shell text of one file rdock analyses: the RUN bodies past it
/// are not parsed, so a file of many huge bodies stays within a few
/// hundred megabytes.
pub const MAX_FILE_SCRIPT_BYTES: usize = 2 << 20;

/// An over-estimate of how deeply `text` nests: brackets, braces and
/// compound-command keywords, quotes ignored.
pub(super) fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphabetic() {
            word.push(c);
            continue;
        }
        match word.as_str() {
            "if" | "while" | "until" | "for" | "case" | "select" => depth += 1,
            "fi" | "done" | "esac" => depth = depth.saturating_sub(1),
            _ => {}
        }
        word.clear();
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        max = max.max(depth);
    }
    max
}

/// The most `(` rdock lets stay open at the end of a script before it
/// declines to parse it.
pub(super) const MAX_UNCLOSED_SUBSHELLS: usize = 12;

/// Run `f`, turning a panic into `None` without printing it (the default
/// panic hook stays in force for every other panic).
pub(crate) fn quiet_catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    use std::cell::Cell;
    use std::sync::Once;
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.ok()
}

/// Where a redirection's file-descriptor number (`99999999999>x`) is larger
/// than a shell allows.
pub(super) fn huge_io_number(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i < b.len() && matches!(b[i], b'<' | b'>') && text[start..i].parse::<u32>().is_err()
            {
                return Some(start);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// brush-parser backtracks on every unclosed `(`, doubling its work per
/// bracket: 24 open `(` took a second, 30 took 51 s (the
/// shell fuzz target found it). No shell script leaves a dozen brackets open,
/// so more than `MAX_UNCLOSED_SUBSHELLS` is reported instead of parsed. The
/// scan follows quotes, escapes, comments and `$(`, so that brackets in
/// strings do not count; it ignores heredoc bodies and `case` patterns, which
/// can only make it count fewer. Returns how many `(` are never closed and
/// the byte offset of the first.
pub(super) fn unclosed_subshells(text: &str) -> (usize, Option<usize>) {
    #[derive(PartialEq)]
    enum Frame {
        Sub(usize),
        Dollar,
        DQuote,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if stack.last() == Some(&Frame::DQuote) {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' if next == Some(b'(') => {
                    stack.push(Frame::Dollar);
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'\\' => i += 1,
            b'\'' => match bytes[i + 1..].iter().position(|&b| b == b'\'') {
                Some(end) => i += end + 1,
                None => break,
            },
            b'"' => stack.push(Frame::DQuote),
            b'#' if i == 0
                || bytes[i - 1].is_ascii_whitespace()
                || b";&|(".contains(&bytes[i - 1]) =>
            {
                match bytes[i..].iter().position(|&b| b == b'\n') {
                    Some(end) => i += end,
                    None => break,
                }
            }
            b'$' if next == Some(b'(') => {
                stack.push(Frame::Dollar);
                i += 1;
            }
            b'(' => stack.push(Frame::Sub(i)),
            b')' => {
                stack.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let mut open = stack.iter().filter_map(|f| match f {
        Frame::Sub(at) => Some(*at),
        _ => None,
    });
    let first = open.next();
    (first.map_or(0, |_| 1 + open.count()), first)
}
