//! Exact models of the file commands whose effects depend on their flags in
//! ways a selector in `rules/commands/*.toml` cannot say: `mkdir -p` against
//! `mkdir`, `cp -t DIR`, `install -d`, `gzip -d` deleting its input, `ln`,
//! `chmod` on something that may be a directory, `tar -x` into a folder,
//! and the wrappers `env`, `nice`, `sh -c` that run another command.
//!
//! Each handler reads the arguments the way GNU coreutils (and busybox, for
//! the flags both accept) do. A flag it does not know makes the step opaque:
//! a model that guesses is worse than none (rules/serial-independent-runs.md).

use crate::shell::{Command, ShWord};

/// Arguments split as `getopt` would: flags with their values, then operands.
#[derive(Debug, Default)]
pub struct Parsed {
    /// `(flag, value)`: short flags as `-x`, long ones as `--name`.
    pub flags: Vec<(String, Option<ShWord>)>,
    pub operands: Vec<ShWord>,
}

impl Parsed {
    pub fn has(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|(f, _)| names.contains(&f.as_str()))
    }
    pub fn value(&self, names: &[&str]) -> Option<&ShWord> {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| names.contains(&f.as_str()))
            .and_then(|(_, v)| v.as_ref())
    }
}

/// The flags a command accepts: short letters without and with a value, long
/// names without and with a value.
pub struct Spec {
    pub short: &'static str,
    pub short_value: &'static str,
    pub long: &'static [&'static str],
    pub long_value: &'static [&'static str],
}

/// Parse `args` by `spec`. `Err` names the first flag the spec does not know
/// (or a flag whose value is not a plain word).
pub fn parse(args: &[ShWord], spec: &Spec) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let w = &args[i];
        i += 1;
        let t = w.text();
        if only_operands || t == "-" || !t.starts_with('-') {
            out.operands.push(w.clone());
            continue;
        }
        if w.lit.is_none() {
            return Err(format!("a flag that cannot be known (`{}`)", w.raw));
        }
        if t == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, glued) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let flag = format!("--{name}");
            if spec.long_value.contains(&name) {
                let value = match glued {
                    Some(v) => word(v, w),
                    None => {
                        let v = args
                            .get(i)
                            .cloned()
                            .ok_or(format!("`{flag}` without a value"))?;
                        i += 1;
                        v
                    }
                };
                out.flags.push((flag, Some(value)));
            } else if spec.long.contains(&name) && glued.is_none() {
                out.flags.push((flag, None));
            } else {
                return Err(format!("`{t}`, a flag rdock does not model"));
            }
            continue;
        }
        // A cluster of short flags: `-pv`, `-m755`, `-pm 755`.
        let letters: Vec<char> = t[1..].chars().collect();
        let mut k = 0;
        while k < letters.len() {
            let c = letters[k];
            k += 1;
            let flag = format!("-{c}");
            if spec.short_value.contains(c) {
                let rest: String = letters[k..].iter().collect();
                let value = if rest.is_empty() {
                    let v = args
                        .get(i)
                        .cloned()
                        .ok_or(format!("`{flag}` without a value"))?;
                    i += 1;
                    v
                } else {
                    word(&rest, w)
                };
                out.flags.push((flag, Some(value)));
                break;
            } else if spec.short.contains(c) {
                out.flags.push((flag, None));
            } else {
                return Err(format!("`{t}`, a flag rdock does not model"));
            }
        }
    }
    Ok(out)
}

/// A word made from part of another (a value glued to its flag).
fn word(text: &str, from: &ShWord) -> ShWord {
    ShWord {
        lit: crate::shell::literal(text),
        raw: text.to_string(),
        span: from.span,
    }
}

/// A command with `words` in place of its own (what a wrapper runs).
pub fn inner(cmd: &Command, words: Vec<ShWord>) -> Command {
    Command {
        span: cmd.span,
        words,
        assignments: Vec::new(),
        redirects: Vec::new(),
        ctx: cmd.ctx,
    }
}

pub const MKDIR: Spec = Spec {
    short: "pv",
    short_value: "m",
    long: &["parents", "verbose"],
    long_value: &["mode"],
};

pub const RM: Spec = Spec {
    short: "frRvd",
    short_value: "",
    long: &["force", "recursive", "verbose", "dir"],
    long_value: &[],
};

pub const RMDIR: Spec = Spec {
    short: "pv",
    short_value: "",
    long: &["parents", "verbose", "ignore-fail-on-non-empty"],
    long_value: &[],
};

pub const LN: Spec = Spec {
    short: "sfnvTrL",
    short_value: "t",
    long: &[
        "symbolic",
        "force",
        "no-dereference",
        "verbose",
        "no-target-directory",
        "relative",
    ],
    long_value: &["target-directory"],
};

pub const CHMOD: Spec = Spec {
    short: "Rvfc",
    short_value: "",
    long: &["recursive", "verbose", "silent", "quiet", "changes"],
    long_value: &["reference"],
};

pub const CHOWN: Spec = Spec {
    short: "Rvfch",
    short_value: "",
    long: &[
        "recursive",
        "verbose",
        "silent",
        "quiet",
        "changes",
        "no-dereference",
    ],
    long_value: &["reference", "from"],
};

pub const TOUCH: Spec = Spec {
    short: "acmh",
    short_value: "drt",
    long: &["no-create", "no-dereference"],
    long_value: &["date", "reference", "time"],
};

/// `cp` without the flags that copy links, directories or trees as they are
/// (`-a`, `-r`, `-R`, `-d`, `-P`, `-l`, `-s`): those are refused by the handler.
pub const CP: Spec = Spec {
    short: "fvpnuTLardRPlsHx",
    short_value: "t",
    long: &[
        "force",
        "verbose",
        "no-clobber",
        "update",
        "no-target-directory",
        "dereference",
        "archive",
        "recursive",
        "no-dereference",
        "link",
        "symbolic-link",
        "preserve",
    ],
    long_value: &["target-directory"],
};

pub const MV: Spec = Spec {
    short: "fvnT",
    short_value: "t",
    long: &["force", "verbose", "no-clobber", "no-target-directory"],
    long_value: &["target-directory"],
};

pub const INSTALL: Spec = Spec {
    short: "dDcCpsvT",
    short_value: "mogt",
    long: &[
        "directory",
        "compare",
        "preserve-timestamps",
        "strip",
        "verbose",
        "no-target-directory",
    ],
    long_value: &["mode", "owner", "group", "target-directory"],
};

pub const GZIP: Spec = Spec {
    short: "dkcfnNqv123456789",
    short_value: "",
    long: &[
        "decompress",
        "uncompress",
        "keep",
        "stdout",
        "to-stdout",
        "force",
        "no-name",
        "name",
        "quiet",
        "verbose",
        "fast",
        "best",
    ],
    long_value: &[],
};

pub const TAR: Spec = Spec {
    short: "xctzjJvpo",
    short_value: "fC",
    long: &[
        "extract",
        "get",
        "create",
        "list",
        "gzip",
        "bzip2",
        "xz",
        "verbose",
        "preserve-permissions",
        "same-owner",
        "no-same-owner",
        "no-same-permissions",
        "numeric-owner",
    ],
    long_value: &[
        "file",
        "directory",
        "strip-components",
        "exclude",
        "owner",
        "group",
        "mode",
    ],
};

pub const SED: Spec = Spec {
    short: "inErsu",
    short_value: "ef",
    long: &[
        "in-place",
        "quiet",
        "silent",
        "regexp-extended",
        "separate",
        "unbuffered",
    ],
    long_value: &["expression", "file"],
};

pub const TEE: Spec = Spec {
    short: "ai",
    short_value: "",
    long: &["append", "ignore-interrupts"],
    long_value: &[],
};

/// `sh -c` and `bash -c` options that change nothing rdock models.
pub const SH: Spec = Spec {
    short: "cexuv",
    short_value: "o",
    long: &[],
    long_value: &[],
};

/// `tar`'s old style: `tar xzf FILE` (a first argument of letters without
/// a dash). Rewritten as `-x -z -f FILE` for [`parse`].
pub fn tar_args(args: &[ShWord]) -> Vec<ShWord> {
    let Some(first) = args.first() else {
        return Vec::new();
    };
    let t = first.text();
    if first.lit.is_none()
        || t.starts_with('-')
        || t.is_empty()
        || !t.chars().all(|c| "xctzjJvpofC".contains(c))
    {
        return args.to_vec();
    }
    let mut out = Vec::new();
    let mut rest = args[1..].iter();
    for c in t.chars() {
        out.push(word(&format!("-{c}"), first));
        if "fC".contains(c) {
            if let Some(v) = rest.next() {
                out.push(v.clone());
            }
        }
    }
    out.extend(rest.cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn words(s: &str) -> Vec<ShWord> {
        s.split_whitespace()
            .map(|t| ShWord {
                raw: t.into(),
                lit: Some(t.into()),
                span: Span::new(0, 0),
            })
            .collect()
    }

    #[test]
    fn clusters_and_values() {
        let p = parse(&words("-pm700 /a -v /b"), &MKDIR).unwrap();
        assert!(p.has(&["-p"]) && p.has(&["-v"]));
        assert_eq!(p.value(&["-m"]).unwrap().text(), "700");
        assert_eq!(p.operands.len(), 2);
        let p = parse(&words("--mode=0755 -- -x"), &MKDIR).unwrap();
        assert_eq!(p.value(&["--mode"]).unwrap().text(), "0755");
        assert_eq!(p.operands[0].text(), "-x");
        assert!(parse(&words("-Z /a"), &MKDIR).is_err());
        let t = tar_args(&words("xzf a.tgz -C /opt"));
        let p = parse(&t, &TAR).unwrap();
        assert!(p.has(&["-x"]));
        assert_eq!(p.value(&["-f"]).unwrap().text(), "a.tgz");
        assert_eq!(p.value(&["-C"]).unwrap().text(), "/opt");
    }
}
