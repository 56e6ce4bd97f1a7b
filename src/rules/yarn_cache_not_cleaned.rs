use super::packages::YARN;
use super::runs::{append_to_run, later, mounts_over, removes, runs, stage_in_image};
use super::Context;
use crate::fix::Fix;

declare_rule! {
    /// `yarn install` without `yarn cache clean` after it in the same RUN.
    YarnCacheNotCleaned: RD429 "yarn-cache-not-cleaned", Info, "`yarn install` leaves its cache in the final image";
    fix: Sometimes, hadolint: ["DL3060"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for run in runs(model) {
        if !run.posix || !stage_in_image(cx, run.stage) || mounts_over(&run, &["yarn"]) {
            continue;
        }
        // `yarn install`, or `yarn` alone (which installs).
        let found = run.script.commands.iter().find_map(|c| {
            if let Some(s) = YARN.sub(c, YARN.install) {
                return Some((c, s));
            }
            // `yarn --version` and `yarn --help` install nothing.
            let asks = ["--version", "-v", "-V", "--help", "-h"]
                .iter()
                .any(|f| c.args().iter().any(|w| w.is(f)));
            (c.base_name() == Some("yarn") && !asks && YARN.spec().positional(c).is_empty())
                .then(|| (c, &c.words[0]))
        });
        let Some((cmd, at)) = found else { continue };
        if cmd.has_flag("--cache-folder") {
            continue;
        }
        let cleaned = later(&run, cmd, |c| {
            (c.base_name() == Some("yarn")
                && c.args()
                    .windows(2)
                    .any(|w| w[0].is("cache") && w[1].is("clean")))
                || removes(c, YARN.clean.cache)
        });
        if cleaned {
            continue;
        }
        let d = cx.report(
            &META,
            at.span,
            "`yarn install` leaves the package cache in the layer: no `yarn cache clean` after it in this RUN",
        )
        .label("cache kept")
        .help(
            "end the RUN with `&& yarn cache clean`, or mount a cache: `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn`",
        );
        if let Some(edit) = append_to_run(&run, model, "yarn cache clean") {
            d.fix = Some(Fix::unsafe_("Append `&& yarn cache clean`", vec![edit]));
        }
    }
}
