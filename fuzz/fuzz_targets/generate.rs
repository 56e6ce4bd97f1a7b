//! A Dockerfile generator for structure-aware fuzzing: the fuzzer's bytes
//! choose pieces from the classes of input that broke rdock before (nested
//! `${A:-${A:-...}}` in every instruction, file-descriptor numbers too large
//! for any shell, long `&&` chains, ENV and ARG doubling chains, many
//! findings on one line, deep shell nesting, many RUNs or stages,
//! heredocs), with their sizes, so that the fuzzer reaches them in
//! seconds instead of never. No dependency: the fuzz target `generated`
//! and tests/it/limits.rs both include this file.

/// The generated text stops growing past this many bytes.
pub const MAX_OUTPUT: usize = 128 * 1024;

/// The fuzzer's bytes, read as choices; zeros once they run out.
struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Choices<'_> {
    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A number below `n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        let v = (usize::from(self.byte()) << 8) | usize::from(self.byte());
        v % n
    }

    /// A size up to `max`, small sizes as likely as large ones (so both
    /// the edge cases and the limits are reached).
    fn size(&mut self, max: usize) -> usize {
        match self.byte() % 4 {
            0 => self.below(8),
            1 => self.below(64),
            2 => self.below(1024.min(max + 1)),
            _ => self.below(max + 1),
        }
    }

    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[usize::from(self.byte()) % items.len()]
    }

    /// Up to `max` of the bytes that follow, as text.
    fn raw(&mut self, max: usize) -> String {
        let want = self.below(max + 1);
        let start = self.pos.min(self.data.len());
        let n = want.min(self.data.len() - start);
        self.pos = start + n;
        String::from_utf8_lossy(&self.data[start..start + n]).into_owned()
    }
}

/// Where an expression goes in each instruction.
const IN_INSTRUCTIONS: [(&str, &str, &str); 14] = [
    ("ARG", "B=", ""),
    ("ENV", "B=", ""),
    ("ENV", "B ", ""),
    ("LABEL", "l=", ""),
    ("WORKDIR", "/", ""),
    ("USER", "", ""),
    ("EXPOSE", "", ""),
    ("FROM", "", " AS s"),
    ("RUN", "echo ", ""),
    ("COPY", "", " /dst/"),
    ("ADD", "--chmod=", " src /dst/"),
    ("STOPSIGNAL", "", ""),
    ("VOLUME", "", ""),
    ("CMD", "[\"", "\"]"),
];

const OPERATORS: [&str; 10] = [":-", "-", ":+", "+", ":=", "#", "##", "%", "%%", ":?"];

/// A Dockerfile built from `data`: a `FROM`, maybe after a doubling chain
/// of global ARGs it reads, then pieces.
pub fn dockerfile(data: &[u8]) -> String {
    let mut c = Choices { data, pos: 0 };
    let mut out = if c.byte() % 3 == 0 {
        let n = c.below(48);
        let mut s = String::from("ARG V0=ab\n");
        for i in 0..n {
            s.push_str(&format!("ARG V{}=${{V{i}}}${{V{i}}}\n", i + 1));
        }
        s.push_str(&format!("FROM ${{V{n}}}:latest\n"));
        s
    } else {
        String::from("FROM alpine:3.19\n")
    };
    while !c.done() && out.len() < MAX_OUTPUT {
        let room = MAX_OUTPUT - out.len();
        let piece = match c.byte() % 12 {
            0 => nested_expansion(&mut c, room),
            1 => redirection(&mut c),
            2 => {
                let n = c.size(room / 8);
                let op = c.pick(&[" && true", " || true", " ; true", " | cat"]);
                format!("RUN true{}\n", op.repeat(n))
            }
            3 => doubling(&mut c),
            4 => {
                let n = c.size(room / 4);
                let word = c.pick(&["$A ", "${A} ", "'$A' ", "`a` ", "~/x ", "sudo "]);
                format!("RUN echo {}\n", word.repeat(n))
            }
            5 => {
                let n = c.size(room / 8);
                let (open, close) = match c.byte() % 5 {
                    0 => ("$(", ")"),
                    1 => ("{ ", "; }"),
                    2 => ("( ", " )"),
                    3 => ("if true; then ", "; fi"),
                    _ => ("\"$(", ")\""),
                };
                format!("RUN {}true{}\n", open.repeat(n), close.repeat(n))
            }
            6 => {
                let n = c.size(room / 10);
                let line = c.pick(&["RUN true\n", "ENV V=$A\n", "RUN cd /x\n", "ARG A\n"]);
                line.repeat(n)
            }
            7 => {
                let n = c.size((room / 40).min(20_000));
                let mut s = String::new();
                for i in 0..n {
                    let from = i.saturating_sub(1 + usize::from(c.byte() % 3));
                    match c.byte() % 3 {
                        0 => s.push_str(&format!("FROM alpine:3 AS s{i}\n")),
                        1 => s.push_str(&format!("FROM s{from} AS s{i}\n")),
                        _ => s.push_str(&format!(
                            "FROM alpine:3 AS s{i}\nCOPY --from=s{from} /x /x\n"
                        )),
                    }
                }
                s
            }
            8 => {
                let n = c.size(room / 16);
                let end = if c.byte() % 2 == 0 { "EOF\n" } else { "" };
                format!("RUN <<EOF\n{}{end}", "echo hi\n".repeat(n))
            }
            9 => {
                let n = c.size(room / 12);
                let pkg = c.pick(&["curl ", "curl=1 ", "-y ", "--no-install-recommends "]);
                let tool = c.pick(&["apt-get install ", "apk add ", "pip install ", "npm i "]);
                format!("RUN {tool}{}\n", pkg.repeat(n))
            }
            10 => {
                let n = c.size(room / 4);
                let line = c.pick(&["RUN \\\n", "# c\n", "\\\n", "ENV A=1 \\\n", "\n"]);
                format!("{}true\n", line.repeat(n))
            }
            _ => format!("{}\n", c.raw(64)),
        };
        if piece.len() > room {
            break;
        }
        out.push_str(&piece);
    }
    out
}

/// `${B:-${B:-...x...}}` in one instruction.
fn nested_expansion(c: &mut Choices, room: usize) -> String {
    let (instruction, before, after) =
        IN_INSTRUCTIONS[usize::from(c.byte()) % IN_INSTRUCTIONS.len()];
    let op = c.pick(&OPERATORS);
    let var = c.pick(&["B", "A", "HOME", "1"]);
    let open = format!("${{{var}{op}");
    let depth = c.size(room / (open.len() + 1));
    format!(
        "{instruction} {before}{}x{}{after}\n",
        open.repeat(depth),
        "}".repeat(depth)
    )
}

/// A redirection with a number that may not fit any integer type.
fn redirection(c: &mut Choices) -> String {
    let digits: String = (0..1 + c.below(30))
        .map(|i| char::from(b'0' + (c.byte() % 10).max(u8::from(i == 0))))
        .collect();
    let op = c.pick(&[">", "<", ">>", ">&", "<&", "<>", ">|", "<<<"]);
    let target = c.pick(&["x", "0", "1", "-", digits.as_str()]);
    match c.byte() % 3 {
        0 => format!("RUN {digits}{op}{target}\n"),
        1 => format!("RUN echo {digits}{op}{target}\n"),
        _ => format!("RUN [\"sh\", \"-c\", \"echo {digits}{op}{target}\"]\n"),
    }
}

/// `ENV V1=${V0}${V0}`, each line doubling the last (ENV or ARG, the
/// last one maybe used by FROM).
fn doubling(c: &mut Choices) -> String {
    let n = c.below(48);
    let kind = c.pick(&["ENV", "ARG"]);
    let mut s = format!("{kind} V0=ab\n");
    for i in 0..n {
        s.push_str(&format!("{kind} V{}=${{V{i}}}${{V{i}}}\n", i + 1));
    }
    if c.byte() % 2 == 0 {
        s.push_str(&format!("FROM ${{V{n}}}\nRUN echo $V{n}\n"));
    }
    s
}
