//! Steps a proposal moves before a package install they followed
//! ([`super::effects::Install`]): the caveat that says so.

use super::{Chain, Effects, Step};

/// The file names of the programs a step runs (`wget` for `/usr/bin/wget`).
pub(super) fn program_names(fx: &Effects) -> impl Iterator<Item = &str> {
    fx.programs
        .iter()
        .map(|p| p.path.rsplit('/').next().unwrap_or(&p.path))
}

/// Commands the shell runs itself (no program is looked up for them in
/// `sh`, `dash` or busybox `ash`), left out of what a message names.
const SHELL_BUILTINS: [&str; 20] = [
    "set", "cd", "export", "unset", "echo", "printf", "test", "[", "true", "false", ":", "read",
    "exit", "return", "shift", "local", "readonly", "wait", "trap", "umask",
];

/// Why a proposal that moves a chain's step before a package install that
/// stays in the final stage (its step comes earlier) may not build the same
/// image: rdock does not know what the packages contain.
pub(super) fn moved_past_install(
    steps: &[Step],
    split: &[&Chain],
    stay: &[usize],
) -> Option<String> {
    split.iter().find_map(|c| {
        c.steps.iter().find_map(|&s| {
            let install = stay
                .iter()
                .filter(|&&t| t < s)
                .find_map(|&t| steps[t].effects.install.as_ref())?;
            let mut programs: Vec<&str> = Vec::new();
            for p in c.steps.iter().flat_map(|&m| program_names(&steps[m].effects)) {
                if !programs.contains(&p) && !SHELL_BUILTINS.contains(&p) {
                    programs.push(p);
                }
            }
            let programs = programs
                .iter()
                .take(3)
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ");
            Some(format!(
                "chain `{}` would run {programs} before {}, which comes first in the original: rdock does not know what packages contain, and if one installed there (or a package it depends on) provides those programs, a library they load or the certificates they trust, the build fails or fetches differently",
                c.name,
                install.describe()
            ))
        })
    })
}
