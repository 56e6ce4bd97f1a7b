//! The package managers the install, cache and pin rules know, in one
//! table, and the checks those rules share. How a tool's command line reads
//! (its value flags) is its spec in `rules/commands/specs.toml`.

use super::runs::{append_to_run, later, mounts_over, removes, runs, stage_in_image};
use super::{Context, RuleMeta};
use crate::fix::{Edit, Fix};
use crate::shell::spec::{positional_in, spec, CommandSpec};
use crate::shell::{Command, ShWord};

/// One package manager.
pub(crate) struct PackageManager {
    /// The command names the rules take it by (its spec is the first's).
    pub names: &'static [&'static str],
    /// How the messages name it; empty for the command's own name.
    pub shown: &'static str,
    /// Whether its rules read only RUNs under a POSIX-like shell.
    pub posix_only: bool,
    /// The subcommands that install packages.
    pub install: &'static [&'static str],
    /// How to find the install word when it is not the subcommand of one of
    /// `names` (`python3 -m pip install`).
    pub find: Option<fn(&Command) -> Option<&ShWord>>,
    pub confirm: Confirm,
    pub clean: Clean,
    pub pin: Pin,
}

/// Subcommands that ask before they change packages, and the answer.
pub(crate) struct Confirm {
    pub subs: &'static [&'static str],
    /// Flags that answer yes (`-y` also in a cluster: `-qy`); a trailing
    /// `*` matches any word that starts with the rest (`-q=2*`).
    pub flags: &'static [&'static str],
    /// The flag the fix adds, named in the message.
    pub add: &'static str,
    /// Whether the flag goes after the command name (a global option),
    /// rather than after the subcommand.
    pub global: bool,
    pub label: &'static str,
    pub help: &'static str,
}

/// Where the package cache is and how it is emptied.
pub(crate) struct Clean {
    /// Subcommands that fill the cache.
    pub after: &'static [&'static str],
    /// Subcommands that empty the cache.
    pub subs: &'static [&'static str],
    /// The clean command as the message names it, and as the fix appends it
    /// (after the command name).
    pub said: &'static str,
    pub command: &'static str,
    pub cache: &'static [&'static str],
    /// The flag that keeps no cache (`--no-cache`), if any.
    pub flag: &'static str,
}

/// How a package argument names a version.
pub(crate) struct Pin {
    /// The finding for a package argument of the install subcommand
    /// `sub`; `None` when it names a version or a fixed artifact (a file, a
    /// URL).
    pub check: fn(sub: &str, package: &str) -> Option<String>,
    /// The help for a package it reports.
    pub help: fn(&str) -> String,
    /// Whether arguments with expansions are read too (as written).
    pub expanded: bool,
    /// Flags that give every version (`-r requirements.txt`, `-v 1.2`).
    pub version_flags: &'static [&'static str],
    /// Whether `<tool> module install` takes `name:stream`.
    pub modules: bool,
}

const NO_CONFIRM: Confirm = Confirm {
    subs: &[],
    flags: &[],
    add: "",
    global: false,
    label: "",
    help: "",
};

const NO_CLEAN: Clean = Clean {
    after: &[],
    subs: &[],
    said: "",
    command: "",
    cache: &[],
    flag: "",
};

/// Every package argument a version: the pin checks of tools without one.
const NO_PIN: Pin = Pin {
    check: |_, _| None,
    help: |_| String::new(),
    expanded: false,
    version_flags: &[],
    modules: false,
};

/// What an entry does not say: its own name, POSIX shells only, no
/// questions, no cache, no pins.
const BASE: PackageManager = PackageManager {
    names: &[],
    shown: "",
    posix_only: true,
    install: &["install"],
    find: None,
    confirm: NO_CONFIRM,
    clean: NO_CLEAN,
    pin: NO_PIN,
};

const YES: Confirm = Confirm {
    subs: &["install", "groupinstall", "localinstall", "reinstall"],
    flags: &["-y", "--assumeyes"],
    add: "-y",
    global: false,
    label: "no -y",
    help: "add `-y`",
};

pub(crate) static APT_GET: PackageManager = PackageManager {
    names: &["apt-get", "apt"],
    shown: "apt-get",
    posix_only: false,
    confirm: Confirm {
        subs: &["install"],
        // (A simulation, `-s`/`--dry-run`, asks nothing either.)
        flags: &[
            "-y",
            "--yes",
            "--assume-yes",
            "-qq",
            "-q=2*",
            "-s",
            "--simulate",
            "--dry-run",
            "--just-print",
            "--recon",
            "--no-act",
        ],
        ..YES
    },
    pin: Pin {
        check: |_, t| unless(t.contains(['=', '/']) || t.ends_with(".deb"), t),
        help: |t| format!("write `{t}=<version>`"),
        expanded: true,
        ..NO_PIN
    },
    ..BASE
};

pub(crate) static APK: PackageManager = PackageManager {
    names: &["apk"],
    posix_only: false,
    install: &["add"],
    clean: Clean {
        cache: &["/var/cache/apk", "/etc/apk/cache"],
        flag: "--no-cache",
        ..NO_CLEAN
    },
    pin: Pin {
        check: |_, t| unless(t.contains(['=', '<', '>', '~']) || t.ends_with(".apk"), t),
        help: |t| format!("write `{t}=<version>`"),
        expanded: true,
        ..NO_PIN
    },
    ..BASE
};

/// dnf and yum: one family.
const RPM: PackageManager = PackageManager {
    confirm: YES,
    clean: Clean {
        after: YES.subs,
        subs: &["clean"],
        said: "clean all",
        command: "clean all",
        cache: &["/var/cache/dnf", "/var/cache/yum"],
        flag: "",
    },
    pin: Pin {
        check: |_, t| unless(rpm_versioned(t), t),
        help: |t| format!("write `{t}-<version>`"),
        modules: true,
        ..NO_PIN
    },
    ..BASE
};

pub(crate) static DNF: PackageManager = PackageManager {
    names: &["dnf", "microdnf", "dnf5"],
    ..RPM
};

pub(crate) static YUM: PackageManager = PackageManager {
    names: &["yum"],
    ..RPM
};

pub(crate) static ZYPPER: PackageManager = PackageManager {
    names: &["zypper"],
    install: &["install", "in"],
    confirm: Confirm {
        subs: &[
            "install",
            "in",
            "remove",
            "rm",
            "source-install",
            "si",
            "patch",
        ],
        flags: &["-y", "--no-confirm", "-n", "--non-interactive"],
        add: "--non-interactive",
        global: true,
        label: "interactive",
        help: "write `zypper --non-interactive ...` (or `-n`)",
    },
    clean: Clean {
        after: &["install", "in"],
        subs: &["clean", "cc"],
        said: "clean",
        command: "clean --all",
        cache: &["/var/cache/zypp"],
        flag: "",
    },
    pin: Pin {
        check: |_, t| unless(t.contains(['=', '<', '>', '/']) || t.ends_with(".rpm"), t),
        help: |t| format!("write `{t}=<version>`"),
        ..NO_PIN
    },
    ..BASE
};

/// `pip install`, `pip3 install`, `python3 -m pip install`.
pub(crate) static PIP: PackageManager = PackageManager {
    names: &["pip"],
    find: Some(pip_install),
    clean: Clean {
        subs: &["cache"],
        said: "cache purge",
        command: "cache purge",
        cache: &[".cache/pip", "/root/.cache"],
        flag: "--no-cache-dir",
        ..NO_CLEAN
    },
    pin: Pin {
        check: |_, t| unless(pip_pinned(t), t),
        help: |t| format!("write `{t}==<version>`, or install from a requirements file with `-r`"),
        version_flags: &["-r", "--requirement", "-c", "--constraint"],
        ..NO_PIN
    },
    ..BASE
};

pub(crate) static GEM: PackageManager = PackageManager {
    names: &["gem"],
    install: &["install", "i"],
    pin: Pin {
        check: |_, t| {
            let pinned = t.contains([':', '/']) || t.ends_with(".gem");
            (!pinned).then(|| format!("gem `{t}` is not pinned to a version"))
        },
        help: |t| format!("write `{t}:<version>` or add `-v <version>`"),
        version_flags: &["-v", "--version"],
        ..NO_PIN
    },
    ..BASE
};

pub(crate) static NPM: PackageManager = PackageManager {
    names: &["npm"],
    install: &["install", "i", "add"],
    pin: Pin {
        check: |_, t| match npm_version(t)? {
            "" => unless(false, t),
            v @ ("latest" | "next") => Some(format!(
                "package `{t}` follows the moving `{v}` tag, not a version"
            )),
            _ => None,
        },
        help: |t| {
            let name = t
                .rsplit_once('@')
                .filter(|(n, _)| !n.is_empty())
                .map_or(t, |(n, _)| n);
            format!("write `{name}@<version>`")
        },
        ..NO_PIN
    },
    ..BASE
};

/// `go install` and `go get` of a module path.
pub(crate) static GO: PackageManager = PackageManager {
    names: &["go"],
    install: &["install", "get"],
    pin: Pin {
        check: |sub, t| {
            // Local packages (`./cmd/x`, `.`) build from the source tree.
            let first = t.split('/').next().unwrap_or("");
            if t.starts_with('.') || t.starts_with('/') || !first.contains('.') {
                return None;
            }
            match t.rsplit_once('@') {
                // `go install pkg` takes the version the module's go.mod
                // requires (and fails outside a module); `go get pkg`
                // fetches the newest (`@upgrade`, or GOPATH's latest).
                None if sub == "install" => None,
                None => Some(format!("`go {sub} {t}` without a version")),
                Some((_, "latest")) => Some(format!(
                    "`go {sub} {t}` follows the latest release, not a version"
                )),
                Some(_) => None,
            }
        },
        help: |t| format!("write `{}@v<version>`", t.split('@').next().unwrap_or(t)),
        ..NO_PIN
    },
    ..BASE
};

/// `yarn install` (or `yarn` alone, which installs).
pub(crate) static YARN: PackageManager = PackageManager {
    names: &["yarn"],
    clean: Clean {
        after: &["install"],
        subs: &["cache"],
        said: "cache clean",
        command: "cache clean",
        cache: &[".cache/yarn", "/usr/local/share/.cache", ".yarn/cache"],
        flag: "",
    },
    ..BASE
};

/// The usual finding for a package that names no version.
fn unless(pinned: bool, package: &str) -> Option<String> {
    (!pinned).then(|| format!("package `{package}` is not pinned to a version"))
}

/// The version part of an npm package spec, `None` for a folder, tarball or
/// git URL with a commit (which are fixed), `Some("")` when there is none.
fn npm_version(p: &str) -> Option<&str> {
    let git = [
        "git://",
        "git+ssh://",
        "git+http://",
        "git+https://",
        "github:",
    ];
    if git.iter().any(|g| p.starts_with(g)) {
        return if p.contains('#') { None } else { Some("") };
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/", "file:"]
            .iter()
            .any(|s| p.starts_with(s))
        || p.contains("://")
    {
        return None;
    }
    let unscoped = match p.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map_or(rest, |(_, name)| name),
        None => p,
    };
    Some(unscoped.split_once('@').map_or("", |(_, v)| v))
}

impl PackageManager {
    pub fn spec(&self) -> &'static CommandSpec {
        spec(self.names[0])
    }

    /// The subcommand word when `cmd` runs this tool with one of `subs`.
    pub fn sub<'c>(&self, cmd: &'c Command, subs: &[&str]) -> Option<&'c ShWord> {
        self.spec().sub(cmd, self.names, subs)
    }

    /// The install subcommand word of `cmd`.
    pub fn install_word<'c>(&self, cmd: &'c Command) -> Option<&'c ShWord> {
        match self.find {
            Some(find) => find(cmd),
            None => self.sub(cmd, self.install),
        }
    }

    fn shown<'c>(&self, cmd: &'c Command) -> &'c str {
        if self.shown.is_empty() {
            cmd.base_name().unwrap_or(self.names[0])
        } else {
            self.shown
        }
    }
}

/// Whether an RPM package argument names a version: `name-1.2.3`,
/// `name-1.2-3.el9`, an `.rpm` file, a URL or path, or an `@group`.
pub(crate) fn rpm_versioned(package: &str) -> bool {
    if package.ends_with(".rpm") || package.contains('/') || package.starts_with('@') {
        return true;
    }
    let mut parts = package.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && rest.iter().all(|p| {
            p.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '~' | '^' | '_' | ':' | '+')
            })
        })
        && rest
            .iter()
            .any(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// Whether a pip requirement names a version or a fixed artifact.
fn pip_pinned(p: &str) -> bool {
    // A VCS URL is pinned by `@ref` after the repository path.
    let vcs = ["git+", "hg+", "svn+", "bzr+", "git://"]
        .iter()
        .any(|s| p.starts_with(s));
    if vcs {
        let last = p
            .split('#')
            .next()
            .unwrap_or(p)
            .rsplit('/')
            .next()
            .unwrap_or("");
        return last.contains('@');
    }
    ["==", ">=", "<=", ">", "<", "!=", "~="]
        .iter()
        .any(|o| p.contains(o))
        || p.contains('@')
        || p.contains('/')
        || p.starts_with('.')
        || [".whl", ".tar.gz", ".zip", ".tar.bz2"]
            .iter()
            .any(|s| p.ends_with(s))
}

/// Whether a word is one of `flags` or gives one a value: `-v`, `-v1.2`,
/// `--version=1.2`.
fn gives_flag(t: &str, flags: &[&str]) -> bool {
    flags.iter().any(|f| {
        t == *f
            || if f.starts_with("--") {
                t.strip_prefix(f).is_some_and(|r| r.starts_with('='))
            } else {
                t.starts_with(f) && t.len() > 2
            }
    })
}

/// `<tool> install` without the flag that answers its questions.
pub(crate) fn without_yes(cx: &mut Context<'_>, meta: &'static RuleMeta, pm: &PackageManager) {
    let c = &pm.confirm;
    for run in runs(cx.model) {
        if pm.posix_only && !run.posix {
            continue;
        }
        for cmd in &run.script.commands {
            let Some(sub) = pm.sub(cmd, c.subs) else {
                continue;
            };
            let yes = c.flags.iter().any(|f| match f.strip_suffix('*') {
                Some(prefix) => cmd.args().iter().any(|w| w.text().starts_with(prefix)),
                None => cmd.has_flag(f),
            });
            if yes {
                continue;
            }
            let d = cx
                .report(
                    meta,
                    sub.span,
                    format!(
                        "`{} {}` without `{}` asks for confirmation",
                        pm.shown(cmd),
                        sub.text(),
                        c.add
                    ),
                )
                .label(c.label)
                .help(c.help);
            let at = if c.global {
                cmd.words[0].span.end
            } else {
                sub.span.end
            };
            d.fix = Some(Fix::safe(
                format!("Add `{}`", c.add),
                vec![Edit::insert(at, format!(" {}", c.add))],
            ));
        }
    }
}

/// `<tool> install` without `<tool> clean` after it in the same RUN, in a
/// stage that ends up in an image.
pub(crate) fn cache_not_cleaned(
    cx: &mut Context<'_>,
    meta: &'static RuleMeta,
    pm: &PackageManager,
) {
    let model = cx.model;
    let clean = &pm.clean;
    for run in runs(model) {
        if !run.posix || !stage_in_image(cx, run.stage) || mounts_over(&run, clean.cache) {
            continue;
        }
        let Some((cmd, sub)) = run
            .script
            .commands
            .iter()
            .find_map(|c| pm.sub(c, clean.after).map(|s| (c, s)))
        else {
            continue;
        };
        let cleaned = later(&run, cmd, |c| {
            pm.sub(c, clean.subs).is_some() || removes(c, clean.cache)
        });
        if cleaned {
            continue;
        }
        let tool = pm.shown(cmd);
        let d = cx.report(
            meta,
            sub.span,
            format!(
                "`{tool} install` leaves the package cache in the layer: no `{tool} {}` after it in this RUN",
                clean.said
            ),
        )
        .label("cache kept");
        let command = format!("{tool} {}", clean.command);
        d.help = Some(format!("end the RUN with `&& {command}`"));
        if let Some(edit) = append_to_run(&run, model, &command) {
            d.fix = Some(Fix::unsafe_(format!("Append `&& {command}`"), vec![edit]));
        }
    }
}

/// Packages of `<tool> install` that name no version (and modules of
/// `<tool> module install` that name no stream).
pub(crate) fn unpinned(cx: &mut Context<'_>, meta: &'static RuleMeta, pm: &PackageManager) {
    let pin = &pm.pin;
    for run in runs(cx.model) {
        if pm.posix_only && !run.posix {
            continue;
        }
        for cmd in &run.script.commands {
            let module = pin.modules && pm.sub(cmd, &["module"]).is_some();
            let sub = if module {
                pm.spec()
                    .positional(cmd)
                    .get(1)
                    .copied()
                    .filter(|w| w.is("install"))
            } else {
                pm.install_word(cmd)
            };
            let Some(sub) = sub else { continue };
            if cmd
                .args()
                .iter()
                .any(|w| gives_flag(w.text(), pin.version_flags))
            {
                continue;
            }
            // (span, package, message, help) of each unpinned package.
            let mut found: Vec<(crate::Span, String, String, String)> = Vec::new();
            for p in pm.spec().operands_after(cmd, sub) {
                let t = match (&p.lit, pin.expanded) {
                    (Some(t), _) => t.as_str(),
                    (None, true) => p.raw.as_str(),
                    (None, false) => continue,
                };
                let message = if module {
                    (!t.contains(':'))
                        .then(|| format!("module `{t}` names no stream (`{t}:<stream>`)"))
                } else {
                    (pin.check)(sub.text(), t)
                };
                let Some(message) = message else { continue };
                let help = if module {
                    format!("write `{t}:<stream>`")
                } else {
                    (pin.help)(t)
                };
                found.push((p.span, t.to_string(), message, help));
            }
            report_unpinned(cx, meta, found);
        }
    }
}

/// One finding per install command: a single package as it is, several as
/// one finding over them that names them, so a long `apt-get install` is one finding, not twenty.
fn report_unpinned(
    cx: &mut Context<'_>,
    meta: &'static RuleMeta,
    found: Vec<(crate::Span, String, String, String)>,
) {
    match found.len() {
        0 => {}
        1 => {
            let (span, _, message, help) = found.into_iter().next().expect("one");
            cx.report(meta, span, message).label("unpinned").help(help);
        }
        n => {
            const SHOWN: usize = 5;
            let names: Vec<String> = found
                .iter()
                .take(SHOWN)
                .map(|(_, t, _, _)| format!("`{t}`"))
                .collect();
            let more = if n > SHOWN {
                format!(" and {} more", n - SHOWN)
            } else {
                String::new()
            };
            let span = found[0].0.cover(found[n - 1].0);
            let help = format!("{}; likewise for the others", found[0].3);
            cx.report(
                meta,
                span,
                format!("{n} packages are not pinned: {}{more}", names.join(", ")),
            )
            .label("unpinned")
            .help(help);
        }
    }
}

/// Whether `cmd` is `apt-get`/`apt` with the subcommand `sub` (`install`).
pub(crate) fn apt_sub(cmd: &Command, sub: &str) -> bool {
    APT_GET.sub(cmd, &[sub]).is_some()
}

/// Whether `cmd` is `apk` with the subcommand `sub` (`add`).
pub(crate) fn apk_sub(cmd: &Command, sub: &str) -> bool {
    APK.sub(cmd, &[sub]).is_some()
}

/// The `install` word of a pip install: `pip install`, `pip3 install`,
/// `python3 -m pip install`. Not pipx or pipenv, which manage their own
/// environments.
fn pip_install(cmd: &Command) -> Option<&ShWord> {
    let name = cmd.base_name()?;
    let pip = spec("pip");
    let is_pip = name
        .strip_prefix("pip")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    if is_pip {
        return pip.sub(cmd, &[name], &["install"]);
    }
    let is_python = name
        .strip_prefix("python")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    if !is_python {
        return None;
    }
    let args = cmd.args();
    let m = args
        .windows(2)
        .position(|w| w[0].is("-m") && w[1].is("pip"))?;
    positional_in(&args[m + 2..], &pip.value_flags)
        .first()
        .copied()
        .filter(|w| w.is("install"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry's tool has a spec, and the subcommands the entry names
    /// are the spec's.
    #[test]
    fn the_table_agrees_with_the_specs() {
        let all = [
            &APT_GET, &APK, &DNF, &YUM, &ZYPPER, &PIP, &GEM, &NPM, &GO, &YARN,
        ];
        for pm in all {
            let spec = pm.spec();
            for name in pm.names {
                assert!(spec.named(name), "`{name}` has no spec of its own");
            }
            let subs = pm
                .install
                .iter()
                .chain(pm.confirm.subs)
                .chain(pm.clean.after);
            for sub in subs.chain(pm.clean.subs) {
                assert!(
                    spec.subcommands.iter().any(|s| s == sub),
                    "`{} {sub}` is not in its spec",
                    pm.names[0]
                );
            }
        }
    }
}
