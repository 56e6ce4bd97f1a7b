//! Package installs (`apk add`, `apt-get install`, `dnf install`): what
//! rdock can say of a step it cannot see into.
//!
//! rdock does not know what packages contain (no package index is read), so
//! an install is modelled by where packages may put files: the trees the
//! Filesystem Hierarchy Standard gives the distribution ([`PACKAGE_TREES`]),
//! which it writes and reads whole. `/usr/local`, `/root`, `/home`, `/tmp`,
//! `/srv` and files in `/` are not among them (Debian policy 9.1.2 and
//! Alpine's `abuild` refuse packages that install under `/usr/local`). So an
//! install depends on every step that touches those trees, and on none that
//! writes `/python.tar.xz` or `/usr/local/bin/kubectl`.
//!
//! What a path model cannot say is whether a later step needs the
//! install's programs, libraries or certificates. A step that names one of
//! the packages as the program it runs ([`Install::provides`]: `curl` after
//! `apt-get install curl`, `gpg` after `apk add gnupg`, any download after
//! `ca-certificates`, anything after a local package file) depends on the
//! install. Any other step may move before it, and the proposal that moves
//! it is offered only as an unsafe fix that says so (`super::super::mod`'s
//! `moved_past_install`): a package rdock cannot read (a dependency, a
//! metapackage) may still provide what the step runs.

use super::{models, Ctx, PathRef};
use crate::parallel::models::CommandModel;
use crate::shell::Command;

/// The trees a package may install into (absolute, each a whole tree).
pub const PACKAGE_TREES: [&str; 22] = [
    "/bin",
    "/boot",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/run",
    "/sbin",
    "/usr/bin",
    "/usr/games",
    "/usr/include",
    "/usr/lib",
    "/usr/lib32",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/libx32",
    "/usr/sbin",
    "/usr/share",
    "/usr/src",
    "/var",
];

/// The package installs of one step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Install {
    /// The commands as they are called (`apk add`), for messages.
    pub commands: Vec<String>,
    /// The packages named, without a version (`curl=7.88.1-10` is `curl`).
    pub packages: Vec<String>,
    /// A package given as a file (`/x.deb`) or a URL, whose contents rdock
    /// cannot know: it may provide any program.
    pub local_file: bool,
}

/// Packages that provide a program under another name.
const PROVIDERS: &[(&str, &[&str])] = &[
    ("gpg", &["gnupg", "gnupg2", "gnupg1", "gpg"]),
    ("gpgv", &["gnupg", "gnupg2", "gnupg1", "gpgv"]),
    ("gpgconf", &["gnupg", "gnupg2", "gnupg1", "gpgconf"]),
    ("gpg-agent", &["gnupg", "gnupg2", "gnupg1", "gnupg-agent"]),
    ("dirmngr", &["gnupg", "gnupg2", "dirmngr"]),
    ("xz", &["xz-utils", "xz"]),
    ("unxz", &["xz-utils", "xz"]),
    ("xzcat", &["xz-utils", "xz"]),
    ("bunzip2", &["bzip2"]),
    ("find", &["findutils"]),
    ("xargs", &["findutils"]),
    ("zstd", &["zstd"]),
    ("unzstd", &["zstd"]),
    ("java", &["openjdk", "default-jre", "default-jdk"]),
    ("python3", &["python3", "python"]),
    ("pip", &["python3-pip", "py3-pip", "python-pip"]),
    ("pip3", &["python3-pip", "py3-pip"]),
    // Alpine's `abuild` (pulled in by `alpine-sdk`) depends on curl.
    ("curl", &["alpine-sdk", "abuild"]),
];

/// Packages of many programs: any program may come from one of them.
const BUNDLES: &[&str] = &[
    "coreutils",
    "busybox",
    "busybox-extras",
    "util-linux",
    "debianutils",
    "bsdutils",
    "moreutils",
    "procps",
    "inetutils",
    "net-tools",
    "iproute2",
];

/// Programs that fetch over the network, and so read the certificates an
/// install of `ca-certificates` (or a TLS library) changes.
const NETWORK: &[&str] = &[
    "curl", "wget", "git", "gpg", "dirmngr", "aria2c", "svn", "hg", "ssh", "scp", "rsync",
];

/// Packages that decide whether a download over TLS works at all: the
/// trust store, and busybox `wget`'s TLS helper. (A TLS library a `-dev`
/// package pulls in is already there for a tool that worked before it.)
const TLS: &[&str] = &["ca-certificates", "ssl_client"];

impl Install {
    /// The package a word of the command line names: the word without a
    /// version or a repository tag (`curl=7.88*`, `curl>=8`, `curl@edge`,
    /// `curl:amd64`).
    pub fn package_name(word: &str) -> &str {
        let end = word
            .find(['=', '<', '>', '~', '@', ':'])
            .unwrap_or(word.len());
        &word[..end]
    }

    /// Whether a package this step names may provide `program` (a program's
    /// file name): the step that runs it then depends on the install.
    pub fn provides(&self, program: &str) -> bool {
        if self.local_file {
            return true;
        }
        self.packages.iter().any(|pkg| {
            let pkg = pkg.as_str();
            pkg == program
                || pkg.strip_prefix(program).is_some_and(|rest| {
                    rest.starts_with('-') || rest.starts_with(|c: char| c.is_ascii_digit())
                })
                || BUNDLES.contains(&pkg)
                || PROVIDERS.iter().any(|(p, by)| {
                    *p == program
                        && by
                            .iter()
                            .any(|b| pkg == *b || pkg.starts_with(&format!("{b}-")))
                })
                || (NETWORK.contains(&program) && TLS.iter().any(|t| pkg.starts_with(t)))
        })
    }

    /// The first program of `programs` (file names) a package of this step
    /// may provide.
    pub fn provided<'p>(&self, programs: impl IntoIterator<Item = &'p str>) -> Option<&'p str> {
        programs.into_iter().find(|p| self.provides(p))
    }

    /// Add what `other` (a later command of the same step) installs.
    pub fn merge(&mut self, other: Install) {
        self.commands.extend(other.commands);
        self.packages.extend(other.packages);
        self.local_file |= other.local_file;
    }

    /// The commands, for a message: `` `apk add` `` or `` `apt-get update`, `apt-get install` ``.
    pub fn describe(&self) -> String {
        let mut seen: Vec<&str> = Vec::new();
        for c in &self.commands {
            if !seen.contains(&c.as_str()) {
                seen.push(c);
            }
        }
        seen.iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A package install or removal ([`Install`]): the packages it names, the
/// local package files it reads, and the package trees, written and read.
pub(super) fn effects(cx: &mut Ctx<'_>, model: &CommandModel, cmd: &Command) -> Result<(), String> {
    let mut local = Vec::new();
    let mut packages = Vec::new();
    let mut local_file = false;
    for w in models::operands(cmd, model) {
        let t = cx.text(w)?;
        if t.contains("://") {
            // A package fetched from a URL: it may contain anything too.
            local_file = true;
        } else if t.contains('/') || [".deb", ".rpm", ".apk"].iter().any(|e| t.ends_with(e)) {
            local_file = true;
            local.push(cx.path(w, false)?);
        } else {
            packages.push(Install::package_name(&t).to_string());
        }
    }
    cx.fx.notes.push(format!(
        "`{}` writes the package trees ({})",
        model.name,
        PACKAGE_TREES.join(", ")
    ));
    cx.fx.reads.extend(local);
    for t in PACKAGE_TREES {
        let p = PathRef::new(t.to_string(), true);
        if !cx.fx.writes.contains(&p) {
            cx.fx.writes.push(p.clone());
            cx.fx.reads.push(p);
        }
    }
    cx.fx
        .install
        .get_or_insert_with(Install::default)
        .merge(Install {
            commands: vec![model.name.clone()],
            packages,
            local_file,
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(packages: &[&str]) -> Install {
        Install {
            commands: vec!["apk add".into()],
            packages: packages.iter().map(|p| p.to_string()).collect(),
            local_file: false,
        }
    }

    #[test]
    fn a_named_package_provides_its_program() {
        assert!(install(&["curl"]).provides("curl"));
        assert!(install(&["wget"]).provides("wget"));
        assert!(install(&["gnupg"]).provides("gpg"));
        assert!(install(&["xz-utils"]).provides("xz"));
        assert!(install(&["alpine-sdk"]).provides("curl"));
        assert!(install(&["python3"]).provides("python3"));
        assert!(install(&["openjdk-17-jre-headless"]).provides("java"));
        assert!(install(&["coreutils"]).provides("sha256sum"));
    }

    #[test]
    fn certificates_and_tls_count_for_downloads() {
        assert!(install(&["ca-certificates"]).provides("wget"));
        assert!(install(&["ssl_client"]).provides("wget"));
        assert!(!install(&["ca-certificates"]).provides("tar"));
    }

    #[test]
    fn other_packages_do_not_claim_the_program() {
        let i = install(&[
            "gcc",
            "make",
            "tar",
            "findutils",
            "openssl-dev",
            "linux-headers",
        ]);
        assert!(!i.provides("wget"));
        assert!(!i.provides("curl"));
        assert!(!i.provides("sha256sum"));
        assert!(i.provides("find"));
        assert!(!install(&["gcc"]).provides("gc"));
        // A package named after the program and a suffix counts.
        assert!(install(&["xz-dev"]).provides("xz"));
        assert!(install(&["wget2"]).provides("wget"));
    }

    #[test]
    fn a_local_package_file_may_provide_anything() {
        let i = Install {
            local_file: true,
            ..install(&[])
        };
        assert!(i.provides("sleep"));
    }

    #[test]
    fn versions_and_tags_are_not_part_of_the_name() {
        assert_eq!(Install::package_name("curl=7.88.1-10+deb12u5"), "curl");
        assert_eq!(Install::package_name("curl>=8"), "curl");
        assert_eq!(Install::package_name("curl@edge"), "curl");
        assert_eq!(Install::package_name("libc6:amd64"), "libc6");
    }
}
