//! Build targets a repository really uses, read from the files that drive
//! its builds: `docker-bake.hcl`/`.json`, compose files, GitHub workflows,
//! Makefiles and shell scripts. Each parser takes the text of one file and
//! gives the builds it names; the caller (the CLI) walks the repository,
//! reads the files and resolves paths (the core does no I/O).

use std::collections::BTreeMap;

/// What kind of file a build was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Bake,
    Compose,
    Workflow,
    Script,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Bake => "bake",
            SourceKind::Compose => "compose",
            SourceKind::Workflow => "workflow",
            SourceKind::Script => "script",
        }
    }
}

/// How a build's Dockerfile path is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfilePath {
    /// Not given: `Dockerfile` in the context.
    Default,
    /// Relative to the context (bake `dockerfile`, compose `build.dockerfile`).
    InContext(String),
    /// Relative to the working directory (`docker build -f`, build-push-action `file:`).
    FromCwd(String),
}

/// One build found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRef {
    /// The stage built; `None` builds the last stage.
    pub target: Option<String>,
    /// The build context as written (`None`: `.`).
    pub context: Option<String>,
    pub dockerfile: DockerfilePath,
    /// 1-based line of the build in the file.
    pub line: usize,
    pub kind: SourceKind,
}

/// A build of one Dockerfile found in the repository, for the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTarget {
    /// The stage built; `None` for a build without a target (the last stage).
    pub name: Option<String>,
    /// A stage name the repository hands to a build rdock cannot follow
    /// ([`target_hints`]): the stage may be built. Such an entry has no
    /// `name`, so that it counts for RD101 only, not as a sure target.
    pub hint: Option<String>,
    /// Where: `path:line`.
    pub origin: String,
}

/// A piece of a value as written: text, or a variable rdock cannot know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    /// `$X`, `${X}`, `${X:-d}`, `$(X)`, `$(cmd ...)`, `$*`, `$1`,
    /// `${{ matrix.x }}`, a glob `*`: any text, empty included.
    Any,
}

/// The end (exclusive, in bytes) of a bracketed group opening at `open`
/// (`(` or `{`), nested groups and quotes included; the text's length when
/// it is not closed.
pub(super) fn group_end(s: &str, open: usize) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = open;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' if depth > 0 => quote = Some(c),
                b'(' | b'{' => depth += 1,
                b')' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    b.len()
}

pub(super) fn pieces(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    let any = |out: &mut Vec<Piece>, text: &mut String| {
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(text)));
        }
        if out.last() != Some(&Piece::Any) {
            out.push(Piece::Any);
        }
    };
    while i < b.len() {
        match b[i] {
            b'*' => {
                any(&mut out, &mut text);
                i += 1;
            }
            // A template: `{{.TARGET}}` (Taskfile, Helm), `{{ target }}` (Jinja).
            b'{' if b.get(i + 1) == Some(&b'{') => {
                any(&mut out, &mut text);
                i = s[i..].find("}}").map_or(b.len(), |e| i + e + 2);
            }
            b'$' => {
                // `$$` is make's escape for `$`.
                let mut j = i + 1;
                if b.get(j) == Some(&b'$') {
                    j += 1;
                }
                match b.get(j) {
                    Some(b'(' | b'{') => {
                        any(&mut out, &mut text);
                        i = group_end(s, j);
                    }
                    Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => {
                        any(&mut out, &mut text);
                        i = j;
                        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                            i += 1;
                        }
                    }
                    Some(b'*' | b'@' | b'#' | b'?' | b'!' | b'<' | b'^') => {
                        any(&mut out, &mut text);
                        i = j + 1;
                    }
                    _ => {
                        text.push('$');
                        i += 1;
                    }
                }
            }
            _ => {
                let c = s[i..].chars().next().unwrap_or(' ');
                text.push(c);
                i += c.len_utf8();
            }
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// Whether a value holds a variable rdock cannot know (`${TAG}`,
/// `$(TARGET)`, `${{ matrix.target }}`) or a glob `*`: it is then a
/// pattern, each variable standing for any text.
pub fn is_pattern(s: &str) -> bool {
    pieces(s).contains(&Piece::Any)
}

/// Whether `name` is a value `pattern` could take, each variable in it
/// standing for any text (ASCII case ignored, as for stage names).
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    // The classic wildcard match (back to the last `*` on a mismatch):
    // linear in practice, never exponential however many variables.
    let pat: Vec<Option<char>> = pieces(pattern)
        .into_iter()
        .flat_map(|p| match p {
            Piece::Text(t) => t.chars().map(Some).collect::<Vec<_>>(),
            Piece::Any => vec![None],
        })
        .collect();
    let s: Vec<char> = name.chars().collect();
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match pat.get(p) {
            Some(Some(c)) if c.eq_ignore_ascii_case(&s[i]) => {
                p += 1;
                i += 1;
            }
            Some(None) => {
                star = Some((p, i));
                p += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(Option::is_none)
}

mod files;
mod passed;
mod script;
#[cfg(test)]
mod tests;

pub use files::{parse_bake_hcl, parse_bake_json, parse_compose, parse_workflow, target_hints};
pub use passed::{passed_names, Passed, PassedNames};
pub use script::parse_script;
