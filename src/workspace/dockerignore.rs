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
    /// The pattern without `!`, cleaned (`./a//b/` is `a/b`).
    glob: String,
    exclusion: bool,
    matcher: GlobMatcher,
}

/// `./a//b/../c/` -> `a/c`: a path cleaned lexically, as Go's
/// `filepath.Clean` does, without a leading `/` (moby reads patterns so;
/// the embedded engine puts the `/` back for paths in an image).
pub fn clean(path: &str) -> String {
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

/// The path `.dockerignore` patterns match for `name` inside the context
/// folder at `rel` (`""` for the context's root): `rel/name`.
pub fn child(rel: &str, name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    if rel.is_empty() {
        name.into_owned()
    } else {
        format!("{rel}/{name}")
    }
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
                    glob: cleaned,
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

    /// Whether a `!` pattern after the last one matching `path` (a folder,
    /// or a glob: from its first segment with `*`, `?` or `[` on, anything)
    /// could re-include something inside it. Such a folder is excluded, yet
    /// what the pattern brings back is in the context, folders leading to it
    /// included: `COPY folder /` copies that (`folder` plus `!folder/keep`,
    /// or `*` plus `!*/keep*`).
    pub fn reincludes_inside(&self, path: &str) -> bool {
        let path = clean(path);
        let segments: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .take_while(|s| !s.contains(['*', '?', '[']))
            .collect();
        // (The pattern that excludes it, as `excluding_pattern` finds it.)
        let parents: Vec<&str> = path
            .match_indices('/')
            .map(|(i, _)| &path[..i])
            .chain(std::iter::once(path.as_str()))
            .collect();
        let last = self
            .patterns
            .iter()
            .rposition(|p| !p.exclusion && parents.iter().any(|c| p.matcher.is_match(c)));
        let Some(last) = last else {
            return false;
        };
        self.patterns[last + 1..].iter().any(|p| {
            let globs: Vec<&str> = p.glob.split('/').collect();
            p.exclusion && could_match_inside(&globs, &segments)
        })
    }
}

/// Whether a pattern (its segments) could match a path inside the folder
/// `dir` (its segments), or the folder itself: `**` matches any number of
/// segments, and every other segment one, by its glob.
fn could_match_inside(pattern: &[&str], dir: &[&str]) -> bool {
    let Some((first, rest)) = dir.split_first() else {
        return true;
    };
    match pattern.split_first() {
        None => false,
        Some((&"**", after)) => could_match_inside(after, dir) || could_match_inside(pattern, rest),
        Some((seg, after)) => {
            let matches = GlobBuilder::new(seg)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .is_ok_and(|g| g.compile_matcher().is_match(first));
            matches && could_match_inside(after, rest)
        }
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

    #[test]
    fn folders_with_something_brought_back() {
        let d = Dockerignore::parse(".dockerignore", "*\ntest*\n!test2*\nsubdir\n!*/sub1*\n");
        assert!(d.reincludes_inside("subdir"));
        // (Without the files, `test1.txt` may be a folder holding `sub1...`.)
        assert!(d.reincludes_inside("test1.txt"));
        let d = Dockerignore::parse(".dockerignore", "*\n!test*\ntest1.txt\n");
        assert!(!d.reincludes_inside("test1.txt"));
        let d = Dockerignore::parse(".dockerignore", "**\n!folder1/file1\nother\n");
        assert!(d.reincludes_inside("folder1"));
        assert!(!d.reincludes_inside("folder2"));
        assert!(!d.reincludes_inside("other"));
        let d = Dockerignore::parse(".dockerignore", "dir/**\n!dir/keep\n");
        assert!(d.reincludes_inside("dir/*"));
        assert!(!d.reincludes_inside("dir/sub"));
        let d = Dockerignore::parse(".dockerignore", "dir\n!dir/keep\n");
        assert!(d.reincludes_inside("./dir/"));
        let d = Dockerignore::parse(".dockerignore", "a\n!**/keep\n");
        assert!(d.reincludes_inside("a/b"));
        let d = Dockerignore::parse(".dockerignore", "*.md\n!README.md\nbuild/\n");
        assert!(d.reincludes_inside("*.md"));
    }
}
