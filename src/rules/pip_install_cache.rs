use super::packages::PIP;
use super::runs::{later, mounts_over, removes, runs, stage_in_image};
use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `pip install` that keeps its download cache in the image.
    PipInstallCache: RD414 "pip-install-cache", Info, "`pip install` without `--no-cache-dir` keeps its cache in the image";
    fix: Always, hadolint: ["DL3042"]
}

const TRUTHY: [&str; 4] = ["1", "true", "yes", "on"];

fn truthy(v: &str) -> bool {
    TRUTHY
        .iter()
        .any(|t| v.trim_matches(['"', '\'']).eq_ignore_ascii_case(t))
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for run in runs(model) {
        if !run.posix || !stage_in_image(cx, run.stage) {
            continue;
        }
        if mounts_over(&run, PIP.clean.cache) {
            continue;
        }
        let env_off = model
            .scope
            .lookup(Some(run.stage), run.ii, "PIP_NO_CACHE_DIR")
            .and_then(|d| d.value.as_deref())
            .is_some_and(truthy);
        let script_off = run.script.commands.iter().any(|c| {
            c.assignments
                .iter()
                .any(|a| a.name == "PIP_NO_CACHE_DIR" && truthy(a.value.text()))
                || c.args().iter().any(|w| {
                    w.text()
                        .strip_prefix("PIP_NO_CACHE_DIR=")
                        .is_some_and(truthy)
                })
        });
        if env_off || script_off {
            continue;
        }
        for cmd in &run.script.commands {
            let Some(install) = PIP.install_word(cmd) else {
                continue;
            };
            if cmd.has_flag(PIP.clean.flag) {
                continue;
            }
            let purged = later(&run, cmd, |c| {
                removes(c, PIP.clean.cache)
                    || (pip_like(c)
                        && c.args()
                            .windows(2)
                            .any(|w| w[0].is("cache") && w[1].is("purge")))
            });
            if purged {
                continue;
            }
            cx.report(
                &META,
                install.span,
                "`pip install` without `--no-cache-dir` leaves its download cache in the layer",
            )
            .label("cache kept")
            .help(
                "add `--no-cache-dir`, set `ENV PIP_NO_CACHE_DIR=1`, or mount a cache on /root/.cache/pip",
            )
            .fix(Fix::unsafe_(
                "Add `--no-cache-dir`",
                vec![Edit::insert(install.span.end, " --no-cache-dir")],
            ));
        }
    }
}

fn pip_like(c: &crate::shell::Command) -> bool {
    c.base_name()
        .is_some_and(|n| n.starts_with("pip") || n.starts_with("python"))
}
