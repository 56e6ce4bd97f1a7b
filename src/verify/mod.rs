//! What `rdock verify` decides: whether two builds' outputs match, and what
//! their timings say. Works on [`crate::exec::BuildOutput`]s and their
//! exported filesystems; does no I/O itself.
//!
//! Outputs match when:
//! - the final filesystems agree entry by entry: path, type, mode (setuid,
//!   setgid and sticky included), uid, gid, size and content hash, symlink
//!   target, hard-link group, extended attributes (file capabilities
//!   included) and device numbers; every mtime is `SOURCE_DATE_EPOCH` in both;
//! - the image configurations agree on [`crate::exec::CONFIG_FIELDS`];
//! - except for what differs between two builds of the original itself (the
//!   nondeterminism baseline), which is reported as ignored.

pub mod fs;
pub mod timing;

use std::collections::BTreeSet;

use crate::exec::ImageConfig;
use fs::{Entry, Snapshot};

/// Which part of "outputs match" a difference breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clause {
    /// In the original's filesystem only.
    Missing,
    /// In the rewrite's filesystem only.
    Extra,
    Type,
    Mode,
    Owner,
    Content,
    SymlinkTarget,
    Hardlinks,
    Xattrs,
    Device,
    Config,
}

impl Clause {
    pub fn id(self) -> &'static str {
        match self {
            Clause::Missing => "missing",
            Clause::Extra => "extra",
            Clause::Type => "type",
            Clause::Mode => "mode",
            Clause::Owner => "owner",
            Clause::Content => "content",
            Clause::SymlinkTarget => "symlink-target",
            Clause::Hardlinks => "hardlinks",
            Clause::Xattrs => "xattrs",
            Clause::Device => "device",
            Clause::Config => "config",
        }
    }
}

/// One difference between the original (A) and the rewrite (B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub clause: Clause,
    /// A filesystem path, or the configuration field (`Env`).
    pub path: String,
    pub original: String,
    pub rewrite: String,
    /// A unified diff, for small text files whose content differs.
    pub diff: Option<String>,
}

impl Difference {
    /// The key the nondeterminism baseline is matched on.
    fn key(&self) -> String {
        match self.clause {
            Clause::Config => format!("config:{}", self.path),
            _ => self.path.clone(),
        }
    }
}

/// The result of comparing two builds.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    pub entries_compared: usize,
    pub fields_compared: usize,
    pub differences: Vec<Difference>,
    /// Differences on paths or fields that also differ between two builds of the original.
    pub ignored: Vec<Difference>,
}

impl Comparison {
    pub fn matches(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Compare two filesystems and configurations; `baseline` holds what differs
/// between two builds of the original (see [`baseline`]).
pub fn compare(
    a: (&Snapshot, &ImageConfig),
    b: (&Snapshot, &ImageConfig),
    baseline: &BTreeSet<String>,
) -> Comparison {
    let mut all = compare_fs(a.0, b.0);
    all.extend(compare_config(a.1, b.1));
    let (ignored, differences) = all.into_iter().partition(|d| baseline.contains(&d.key()));
    let paths: BTreeSet<&String> = a.0.entries.keys().chain(b.0.entries.keys()).collect();
    Comparison {
        entries_compared: paths.len(),
        fields_compared: a.1.len().max(b.1.len()),
        differences,
        ignored,
    }
}

/// The keys (paths and `config:Field`s) that differ between two builds of the same file.
pub fn baseline(a1: (&Snapshot, &ImageConfig), a2: (&Snapshot, &ImageConfig)) -> BTreeSet<String> {
    let mut d = compare_fs(a1.0, a2.0);
    d.extend(compare_config(a1.1, a2.1));
    d.iter().map(Difference::key).collect()
}

fn compare_fs(a: &Snapshot, b: &Snapshot) -> Vec<Difference> {
    let mut out = Vec::new();
    let paths: BTreeSet<&String> = a.entries.keys().chain(b.entries.keys()).collect();
    for path in paths {
        match (a.entries.get(path), b.entries.get(path)) {
            (Some(x), None) => out.push(diff(Clause::Missing, path, describe(x), "absent".into())),
            (None, Some(y)) => out.push(diff(Clause::Extra, path, "absent".into(), describe(y))),
            (Some(x), Some(y)) => compare_entry(path, x, y, &mut out),
            (None, None) => {}
        }
    }
    out
}

fn diff(clause: Clause, path: &str, original: String, rewrite: String) -> Difference {
    Difference {
        clause,
        path: path.to_string(),
        original,
        rewrite,
        diff: None,
    }
}

fn describe(e: &Entry) -> String {
    let mut s = format!("{} {:04o} {}:{}", e.kind.name(), e.mode, e.uid, e.gid);
    if let Some(h) = &e.sha256 {
        s.push_str(&format!(
            ", {} bytes, sha256 {}",
            e.size,
            &h[..12.min(h.len())]
        ));
    }
    if let Some(t) = &e.link_target {
        s.push_str(&format!(" -> {t}"));
    }
    s
}

fn compare_entry(path: &str, x: &Entry, y: &Entry, out: &mut Vec<Difference>) {
    if x.kind != y.kind {
        out.push(diff(
            Clause::Type,
            path,
            x.kind.name().into(),
            y.kind.name().into(),
        ));
        return;
    }
    if x.mode != y.mode {
        out.push(diff(
            Clause::Mode,
            path,
            format!("{:04o}", x.mode),
            format!("{:04o}", y.mode),
        ));
    }
    if (x.uid, x.gid) != (y.uid, y.gid) {
        out.push(diff(
            Clause::Owner,
            path,
            format!("{}:{}", x.uid, x.gid),
            format!("{}:{}", y.uid, y.gid),
        ));
    }
    if x.sha256 != y.sha256 || x.size != y.size {
        let mut d = diff(
            Clause::Content,
            path,
            format!(
                "{} bytes, sha256 {}",
                x.size,
                x.sha256.as_deref().unwrap_or("-")
            ),
            format!(
                "{} bytes, sha256 {}",
                y.size,
                y.sha256.as_deref().unwrap_or("-")
            ),
        );
        if let (Some(ca), Some(cb)) = (&x.content, &y.content) {
            if let (Ok(ta), Ok(tb)) = (std::str::from_utf8(ca), std::str::from_utf8(cb)) {
                let rel = path.trim_start_matches('/');
                d.diff = Some(
                    similar::TextDiff::from_lines(ta, tb)
                        .unified_diff()
                        .context_radius(3)
                        .header(&format!("original/{rel}"), &format!("rewrite/{rel}"))
                        .to_string(),
                );
            }
        }
        out.push(d);
    }
    if x.link_target != y.link_target {
        out.push(diff(
            Clause::SymlinkTarget,
            path,
            x.link_target.clone().unwrap_or_default(),
            y.link_target.clone().unwrap_or_default(),
        ));
    }
    if x.hardlinks != y.hardlinks {
        let show = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "no other links".to_string()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        out.push(diff(
            Clause::Hardlinks,
            path,
            show(&x.hardlinks),
            show(&y.hardlinks),
        ));
    }
    if x.xattrs != y.xattrs {
        let show = |m: &std::collections::BTreeMap<String, Vec<u8>>| {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.iter().map(|b| format!("{b:02x}")).collect::<String>()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        out.push(diff(Clause::Xattrs, path, show(&x.xattrs), show(&y.xattrs)));
    }
    if x.device != y.device {
        let show = |d: Option<(u32, u32)>| d.map(|(a, b)| format!("{a},{b}")).unwrap_or_default();
        out.push(diff(Clause::Device, path, show(x.device), show(y.device)));
    }
}

fn compare_config(a: &ImageConfig, b: &ImageConfig) -> Vec<Difference> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let null = serde_json::Value::Null;
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
            (x != y).then(|| diff(Clause::Config, k, x.to_string(), y.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fs::Kind;

    fn entry(mode: u32, data: &[u8]) -> Entry {
        Entry {
            kind: Kind::File,
            mode,
            uid: 0,
            gid: 0,
            size: data.len() as u64,
            sha256: Some(format!("{:x?}", data)),
            content: Some(data.to_vec()),
            link_target: None,
            xattrs: Default::default(),
            device: None,
            hardlinks: Default::default(),
        }
    }

    fn snap(list: &[(&str, Entry)]) -> Snapshot {
        Snapshot {
            entries: list
                .iter()
                .map(|(p, e)| (p.to_string(), e.clone()))
                .collect(),
        }
    }

    #[test]
    fn each_clause_and_the_baseline() {
        let cfg = ImageConfig::new();
        let a = snap(&[
            ("/a", entry(0o644, b"x\n")),
            ("/b", entry(0o644, b"x\n")),
            ("/c", entry(0o644, b"one\n")),
            ("/r", entry(0o644, b"1")),
        ]);
        let mut owned = entry(0o644, b"x\n");
        owned.uid = 1000;
        let b = snap(&[
            ("/a", entry(0o755, b"x\n")),
            ("/c", entry(0o644, b"two\n")),
            ("/d", entry(0o644, b"")),
            ("/o", owned.clone()),
            ("/r", entry(0o644, b"2")),
        ]);
        let base: BTreeSet<String> = ["/r".to_string()].into();
        let c = compare((&a, &cfg), (&b, &cfg), &base);
        let got: Vec<(&str, &str)> = c
            .differences
            .iter()
            .map(|d| (d.clause.id(), d.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("mode", "/a"),
                ("missing", "/b"),
                ("content", "/c"),
                ("extra", "/d"),
                ("extra", "/o")
            ]
        );
        let diff = c.differences[2].diff.as_deref().unwrap();
        assert!(diff.contains("-one") && diff.contains("+two"), "{diff}");
        assert_eq!(c.ignored.len(), 1);
        assert_eq!(c.ignored[0].path, "/r");

        let a2 = snap(&[("/o", entry(0o644, b"x\n"))]);
        let b2 = snap(&[("/o", owned)]);
        let c = compare((&a2, &cfg), (&b2, &cfg), &BTreeSet::new());
        assert_eq!(c.differences[0].clause, Clause::Owner);
        assert_eq!(c.differences[0].original, "0:0");
    }

    #[test]
    fn config_fields() {
        let mut a = ImageConfig::new();
        a.insert("Env".into(), serde_json::json!(["A=1"]));
        let mut b = ImageConfig::new();
        b.insert("Env".into(), serde_json::Value::Null);
        let c = compare(
            (&Snapshot::default(), &a),
            (&Snapshot::default(), &b),
            &BTreeSet::new(),
        );
        assert_eq!(c.differences.len(), 1);
        assert_eq!(
            (c.differences[0].clause, c.differences[0].path.as_str()),
            (Clause::Config, "Env")
        );
        let base = baseline((&Snapshot::default(), &a), (&Snapshot::default(), &b));
        assert!(base.contains("config:Env"));
    }
}
