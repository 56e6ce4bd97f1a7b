//! Users and groups from an image's `/etc/passwd` and `/etc/group`, the
//! two ways BuildKit reads them: a RUN's user as runc does (a name must
//! exist; a number need not), and `--chown` as BuildKit's file operations
//! do (a name that is not found means root; a user alone gives its number
//! as the group too).

use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Passwd {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    gid: u32,
    members: Vec<String>,
}

/// The records of a colon-separated file of the image (`/etc/passwd`,
/// `/etc/group`), each as its fields; blank and comment lines skipped, and
/// no file is no records.
fn records(root: &Path, file: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(super::rootpath::resolve(root, file))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect()
}

fn passwd(root: &Path) -> Vec<Passwd> {
    records(root, "/etc/passwd")
        .into_iter()
        .filter_map(|f| {
            Some(Passwd {
                name: f.first()?.clone(),
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
                home: f.get(5).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

fn groups(root: &Path) -> Vec<Group> {
    records(root, "/etc/group")
        .into_iter()
        .filter_map(|f| {
            Some(Group {
                name: f.first()?.clone(),
                gid: f.get(2)?.parse().ok()?,
                members: f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Who a RUN step runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub home: String,
}

/// `USER` as runc resolves it in the image at `root`: `name` or `uid`,
/// optionally `:group` or `:gid`. A name that is not in the files is an
/// error; a number that is not runs as that number with group 0.
pub fn exec_user(root: &Path, spec: &str) -> Result<ExecUser, String> {
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    // No user is root, looked up like any other (its HOME comes from the file).
    let u = if u.is_empty() { "0" } else { u };
    let users = passwd(root);
    let mut out = ExecUser {
        uid: 0,
        gid: 0,
        groups: Vec::new(),
        home: "/".into(),
    };
    let mut name = None;
    {
        let found = match u.parse::<u32>() {
            Ok(n) => users.iter().find(|p| p.uid == n),
            Err(_) => users.iter().find(|p| p.name == u),
        };
        match (found, u.parse::<u32>()) {
            (Some(p), _) => {
                out.uid = p.uid;
                out.gid = p.gid;
                if !p.home.is_empty() {
                    out.home = p.home.clone();
                }
                name = Some(p.name.clone());
            }
            (None, Ok(n)) => out.uid = n,
            (None, Err(_)) => {
                return Err(format!(
                    "unable to find user {u}: no matching entries in passwd file"
                ))
            }
        }
    }
    let all = groups(root);
    if let Some(g) = g.filter(|g| !g.is_empty()) {
        out.gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => all
                .iter()
                .find(|x| x.name == g)
                .map(|x| x.gid)
                .ok_or_else(|| {
                    format!("unable to find group {g}: no matching entries in group file")
                })?,
        };
    } else if let Some(n) = &name {
        // Supplementary groups: the groups that list the user, when no group is given.
        out.groups = all
            .iter()
            .filter(|x| x.members.iter().any(|m| m == n))
            .map(|x| x.gid)
            .filter(|&gid| gid != out.gid)
            .collect();
    }
    let mut groups = vec![out.gid];
    groups.extend(out.groups.iter().copied());
    out.groups = groups;
    Ok(out)
}

/// `--chown` as BuildKit's file operations resolve it in the image at `root`.
pub fn chown_ids(root: &Path, spec: &str) -> (u32, u32) {
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let (mut uid, mut gid) = (0, 0);
    match u.parse::<u32>() {
        Ok(n) => (uid, gid) = (n, n),
        Err(_) => {
            if let Some(p) = passwd(root).into_iter().find(|p| p.name == u) {
                (uid, gid) = (p.uid, p.gid);
            }
        }
    }
    if let Some(g) = g.filter(|g| !g.is_empty()) {
        match g.parse::<u32>() {
            Ok(n) => gid = n,
            Err(_) => {
                if let Some(x) = groups(root).into_iter().find(|x| x.name == g) {
                    gid = x.gid;
                }
            }
        }
    }
    (uid, gid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("etc")).unwrap();
        std::fs::write(
            d.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("etc/group"),
            "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app\n",
        )
        .unwrap();
        d
    }

    #[test]
    fn run_users_follow_runc() {
        let r = root();
        let app = exec_user(r.path(), "app").unwrap();
        assert_eq!(
            (app.uid, app.gid, app.groups.clone()),
            (1000, 1000, vec![1000, 50])
        );
        assert_eq!(app.home, "/home/app");
        let n = exec_user(r.path(), "65534:0").unwrap();
        assert_eq!((n.uid, n.gid), (65534, 0));
        let odd = exec_user(r.path(), "4242").unwrap();
        assert_eq!((odd.uid, odd.gid, odd.home.as_str()), (4242, 0, "/"));
        assert!(exec_user(r.path(), "ghost")
            .unwrap_err()
            .contains("unable to find user ghost"));
        assert_eq!(exec_user(r.path(), "").unwrap().home, "/root");
    }

    #[test]
    fn chown_follows_buildkit() {
        let r = root();
        assert_eq!(chown_ids(r.path(), "app"), (1000, 1000));
        assert_eq!(chown_ids(r.path(), "55"), (55, 55));
        assert_eq!(chown_ids(r.path(), "app:staff"), (1000, 50));
        assert_eq!(chown_ids(r.path(), "1:2"), (1, 2));
        assert_eq!(chown_ids(r.path(), "ghost"), (0, 0));
    }
}
