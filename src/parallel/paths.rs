//! Absolute paths in the image, and how two of them overlap.

/// A path a step touches: one file or directory, or the whole tree below it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PathRef {
    /// Absolute and normalised: no `.`, `..`, `//` or trailing `/` (but `/` itself).
    pub path: String,
    /// Everything below `path` too.
    pub tree: bool,
}

impl PathRef {
    pub fn new(path: String, tree: bool) -> Self {
        PathRef { path, tree }
    }

    /// Whether the two can name the same file: equal, or one is below the other.
    pub fn overlaps(&self, other: &PathRef) -> bool {
        is_within(&self.path, &other.path) || is_within(&other.path, &self.path)
    }

    /// Whether `self` lies inside what `other` covers.
    pub fn covered_by(&self, other: &PathRef) -> bool {
        is_within(&self.path, &other.path)
    }
}

impl std::fmt::Display for PathRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.tree {
            write!(f, "{}/**", self.path.trim_end_matches('/'))
        } else {
            f.write_str(&self.path)
        }
    }
}

/// `inner` equals `outer` or lies below it.
pub fn is_within(inner: &str, outer: &str) -> bool {
    inner == outer
        || outer == "/"
        || (inner.starts_with(outer) && inner.as_bytes().get(outer.len()) == Some(&b'/'))
}

/// Join `p` to `cwd` and normalise. `None` for a path that leaves `/` or is
/// empty, and for a relative path when `cwd` is empty (unknown).
pub fn resolve(cwd: &str, p: &str) -> Option<String> {
    // An empty `cwd` is one rdock cannot see (the base image's WORKDIR).
    if p.is_empty() || (cwd.is_empty() && !p.starts_with('/')) {
        return None;
    }
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            x => parts.push(x),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// The directory part before the first glob character, and whether there was one.
/// Whether deleting `d` (a path, or a shell pattern such as
/// `/usr/local/src/rabbitmq-4.1*`) removes or changes `o`: `o` is `d`, lies
/// inside it or holds it, or a pattern matches `o`, one of its folders, or
/// may match something inside `o`.
pub fn deletion_touches(o: &str, d: &str) -> bool {
    if !d.contains(['*', '?', '[']) {
        return is_within(o, d) || is_within(d, o);
    }
    if is_within(&glob_root(d).0, o) {
        return true;
    }
    let Ok(glob) = globset::GlobBuilder::new(d).literal_separator(true).build() else {
        // A pattern the matcher cannot read may match anything.
        return true;
    };
    let m = glob.compile_matcher();
    let mut p = o;
    loop {
        if m.is_match(p) {
            return true;
        }
        match p.rsplit_once('/') {
            Some((parent, _)) if !parent.is_empty() => p = parent,
            _ => return false,
        }
    }
}

pub fn glob_root(p: &str) -> (String, bool) {
    match p.find(['*', '?', '[']) {
        Some(i) => {
            let dir = p[..i].rsplit_once('/').map_or("", |(d, _)| d);
            (
                if dir.is_empty() && p.starts_with('/') {
                    "/".to_string()
                } else {
                    dir.to_string()
                },
                true,
            )
        }
        None => (p.to_string(), false),
    }
}

/// How deep a path is: `/` is 0, `/opt` is 1.
pub fn depth(p: &str) -> usize {
    p.split('/').filter(|s| !s.is_empty()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolving() {
        assert_eq!(resolve("/app", "x/../y/./z").as_deref(), Some("/app/y/z"));
        assert_eq!(resolve("/app", "/tmp//a/").as_deref(), Some("/tmp/a"));
        assert_eq!(resolve("/", "..").as_deref(), None);
        assert_eq!(resolve("/a", ".").as_deref(), Some("/a"));
    }

    #[test]
    fn deletions_by_path_and_pattern() {
        let tarball = "/usr/local/src/rabbitmq-4.1.0.tar.xz";
        assert!(deletion_touches(tarball, tarball));
        assert!(deletion_touches(tarball, "/usr/local/src"));
        assert!(deletion_touches("/usr/local", tarball));
        assert!(!deletion_touches(tarball, "/usr/local/src/rabbitmq"));
        // `rm -rf "$RABBITMQ_PATH"*`
        assert!(deletion_touches(tarball, "/usr/local/src/rabbitmq-4.1.0*"));
        assert!(!deletion_touches(
            "/usr/local/src/openssl.tar.gz",
            "/usr/local/src/rabbitmq-4.1.0*"
        ));
        // A pattern matching a folder of the path, or inside a folder left.
        assert!(deletion_touches("/opt/x-1/lib/a.so", "/opt/x-*"));
        assert!(deletion_touches("/tmp", "/tmp/*.tar"));
        // `*` does not cross a `/`.
        assert!(!deletion_touches("/opt/a/b.tar", "/opt/*.tar"));
    }

    #[test]
    fn overlapping() {
        let p = |s: &str| PathRef::new(s.into(), false);
        assert!(p("/app").overlaps(&p("/app/x")));
        assert!(!p("/app").overlaps(&p("/apple")));
        assert!(p("/").overlaps(&p("/x")));
        assert_eq!(glob_root("/tmp/*.tgz"), ("/tmp".into(), true));
        assert_eq!(glob_root("/*"), ("/".into(), true));
    }
}
