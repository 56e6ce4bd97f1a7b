use super::runs::posix_commands;
use super::Context;
use crate::diagnostic::Span;

declare_rule! {
    /// `'$HOME'`: single quotes keep the text literal.
    SingleQuotedExpansion: RD304 "single-quoted-expansion", Info, "Expression in single quotes is not expanded";
    hadolint: ["SC2016"]
}

/// Commands whose arguments are programs or templates that expand later.
const EXEMPT: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "eval",
    "trap",
    "ssh",
    "su",
    "sudo",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "perl",
    "jq",
    "yq",
    "sed",
    "envsubst",
    "find",
    "xargs",
    "docker",
    "git",
    "runuser",
    "unset",
    "alias",
    "python",
    "python3",
    "ruby",
    "php",
    "node",
    "rename",
    "psql",
    "mysql",
    "gosu",
    "su-exec",
    "expr",
    "dpkg-query",
    "xprop",
    "rg",
];

/// The first `$name`, `${`, `$(` or backtick inside single quotes: offset in `raw`.
fn single_quoted_dollar(raw: &str) -> Option<usize> {
    let b = raw.as_bytes();
    let (mut i, mut dq) = (0, false);
    while i < b.len() {
        match b[i] {
            b'\\' if !dq || i + 1 < b.len() => i += 2,
            b'"' => {
                dq = !dq;
                i += 1;
            }
            b'\'' if !dq => {
                let start = i + 1;
                let end = b[start..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map_or(b.len(), |k| start + k);
                // Backquotes in the same quotes: in double quotes they would
                // run a command, so the author needed single quotes to
                // keep the text literal, `$` included (`echo 'set $ARCH,
                // or run with `docker buildx`'`).
                if !b[start..end].contains(&b'`') {
                    for k in start..end {
                        if b[k] == b'$'
                            && b.get(k + 1).is_some_and(|&c| {
                                c.is_ascii_alphabetic() || c == b'_' || c == b'{' || c == b'('
                            })
                        {
                            return Some(k);
                        }
                    }
                }
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    None
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        let Some(name) = cmd.base_name() else {
            continue;
        };
        if EXEMPT.contains(&name) || name.starts_with("python") {
            continue;
        }
        // `echo '...$X...' >> script.sh`, `printf '...' | tee conf`:
        // text written for later, where `$` is meant literally.
        let writes_text = matches!(name, "echo" | "printf")
            && (cmd.redirects.iter().any(|r| r.writes_file())
                || (cmd.ctx.in_pipeline && cmd.ctx.in_subshell));
        if writes_text {
            continue;
        }
        let args = cmd.args();
        for (i, w) in args.iter().enumerate() {
            let Some(at) = single_quoted_dollar(&w.raw) else {
                continue;
            };
            // Code for another interpreter (`R -e '...$x'`, `lua -e`,
            // `mongosh --eval`, `tool -c '...'`).
            let code_flag = i > 0
                && matches!(
                    args[i - 1].text(),
                    "-e" | "-E" | "-c" | "--eval" | "--command" | "--execute" | "-x"
                );
            if code_flag {
                continue;
            }
            let span = if w.span.len() == w.raw.len() {
                Span::new(w.span.start + at, w.span.start + at + 1)
            } else {
                w.span
            };
            cx.report(
                &META,
                span,
                "`$` in single quotes stays literal: the shell does not expand it",
            )
            .label("not expanded")
            .help("use double quotes to expand it, or leave it if the text is meant literally");
        }
    }
}
