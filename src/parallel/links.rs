//! Links the steps of a stage make, and what they mean for the paths later
//! steps touch.

use super::{effects, paths, PathRef, Step};

/// Paths below a symbolic link an earlier step made (`ln -s T L`) are also
/// paths below `T`; a step that writes the link itself, or either name of a
/// hard link, cannot be carried by `COPY --from` (it replaces the link and
/// splits the pair).
pub(super) fn follow_links(steps: &mut [Step], inherited: Vec<(String, Option<String>, bool)>) {
    let mut links = inherited;
    for step in steps.iter_mut() {
        let fx = &mut step.effects;
        let mut extra: Vec<(u8, PathRef)> = Vec::new();
        for (path, target, hard) in &links {
            let lp = PathRef::new(path.clone(), false);
            for (k, list) in [(0u8, &fx.reads), (1, &fx.writes), (2, &fx.deletes)] {
                for p in list {
                    if *hard {
                        // Either name, or a folder that holds one: COPY
                        // --from of the folder copies that name as a file
                        // of its own (`mkdir -p DIR` on an existing DIR
                        // leaves DIR, and the rewrite copies it whole).
                        let names = std::iter::once(path.as_str()).chain(target.as_deref());
                        let touched = names.into_iter().any(|n| paths::is_within(n, &p.path));
                        if k > 0 && touched {
                            fx.unsplittable.push(format!(
                                "changes {p}, which an earlier step hard-linked: COPY --from would split the pair"
                            ));
                        }
                        continue;
                    }
                    if k > 0 && p.path == *path {
                        fx.unsplittable.push(format!(
                            "changes {p}, which an earlier step made a symbolic link: COPY --from would replace the link"
                        ));
                    } else if let Some(t) = target {
                        if p.covered_by(&lp) && p.path != *path {
                            let rest = &p.path[path.len()..];
                            let mapped = if t == "/" {
                                rest.to_string()
                            } else {
                                format!("{t}{rest}")
                            };
                            extra.push((k, PathRef::new(mapped, p.tree)));
                        }
                    }
                }
            }
        }
        for (k, p) in extra {
            match k {
                0 => fx.reads.push(p),
                1 => fx.writes.push(p),
                _ => fx.deletes.push(p),
            }
        }
        // What the step leaves, by the path it really lands at: a write
        // through /work/dlink/v1 and a delete of /work/d1/v1 are one file.
        let canonical = |p: &PathRef| -> PathRef {
            let mut p = p.clone();
            for _ in 0..8 {
                let hop = links.iter().find_map(|(path, target, hard)| {
                    let t = target.as_ref().filter(|_| !*hard)?;
                    (p.path != *path && paths::is_within(&p.path, path))
                        .then(|| format!("{}{}", t.trim_end_matches('/'), &p.path[path.len()..]))
                });
                match hop {
                    Some(q) => p.path = q,
                    None => break,
                }
            }
            p
        };
        for ev in &mut fx.events {
            match ev {
                effects::Event::Write(p) | effects::Event::Delete(p) | effects::Event::Meta(p) => {
                    *p = canonical(p)
                }
                effects::Event::MakeDir { path, .. } | effects::Event::Link { path, .. } => {
                    *path = canonical(path)
                }
            }
        }
        links.extend(links_of(&fx.events));
    }
}

/// The links `events` make, as `(path, target, hard)`; a hard link also
/// from its other name.
pub(super) fn links_of(events: &[effects::Event]) -> Vec<(String, Option<String>, bool)> {
    let mut out = Vec::new();
    for ev in events {
        if let effects::Event::Link { path, target, hard } = ev {
            out.push((path.path.clone(), target.clone(), *hard));
            if let (true, Some(other)) = (*hard, target) {
                out.push((other.clone(), Some(path.path.clone()), true));
            }
        }
    }
    out
}
