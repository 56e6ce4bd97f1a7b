//! `.dockerignore` patterns with the semantics of moby's `patternmatcher`:
//! `*` and `?` stay inside a path segment, `**` crosses them, `!` re-includes,
//! the last matching pattern wins, and a path is excluded when it or one of
//! its parent folders matches. The text is read by the caller (the core does
//! no I/O).

use globset::{Glob, GlobBuilder, GlobMatcher};

/// The patterns of one `.dockerignore` file.
#[derive(Debug, Clone)]
pub struct Dockerignore {
    /// Where the patterns came from, for messages (`.dockerignore`).
    pub source: String,
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    exclusion: bool,
    matcher: GlobMatcher,
}

fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

impl Dockerignore {
    /// Read the patterns; lines that are not valid globs are skipped, as
    /// BuildKit would refuse them itself.
    pub fn parse(source: impl Into<String>, text: &str) -> Dockerignore {
        let mut patterns = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exclusion, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let cleaned = clean(pat);
            if cleaned.is_empty() {
                continue;
            }
            let glob: Result<Glob, _> = GlobBuilder::new(&cleaned)
                .literal_separator(true)
                .backslash_escape(true)
                .build();
            if let Ok(g) = glob {
                patterns.push(Pattern {
                    text: line.to_string(),
                    exclusion,
                    matcher: g.compile_matcher(),
                });
            }
        }
        Dockerignore {
            source: source.into(),
            patterns,
        }
    }

    /// The pattern that excludes `path` (relative to the context), if it is excluded.
    pub fn excluding_pattern(&self, path: &str) -> Option<&str> {
        let path = clean(path);
        if path.is_empty() {
            return None;
        }
        let parents: Vec<&str> = path
            .match_indices('/')
            .map(|(i, _)| &path[..i])
            .chain(std::iter::once(path.as_str()))
            .collect();
        let mut verdict: Option<&str> = None;
        for p in &self.patterns {
            if parents.iter().any(|c| p.matcher.is_match(c)) {
                verdict = if p.exclusion { None } else { Some(&p.text) };
            }
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::Dockerignore;

    #[test]
    fn matches_like_moby() {
        let d = Dockerignore::parse(
            ".dockerignore",
            "# c\nnode_modules\n*.md\n!README.md\n/build/\n**/*.log\n",
        );
        assert_eq!(d.excluding_pattern("node_modules"), Some("node_modules"));
        assert_eq!(
            d.excluding_pattern("node_modules/a/b.js"),
            Some("node_modules")
        );
        assert_eq!(d.excluding_pattern("CHANGES.md"), Some("*.md"));
        assert_eq!(d.excluding_pattern("README.md"), None);
        assert_eq!(d.excluding_pattern("docs/x.md"), None);
        assert_eq!(d.excluding_pattern("./build/out"), Some("/build/"));
        assert_eq!(d.excluding_pattern("a/b/c.log"), Some("**/*.log"));
        assert_eq!(d.excluding_pattern("src/main.rs"), None);
    }
}
