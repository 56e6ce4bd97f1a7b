use super::packages::apt_sub;
use super::runs::{append_to_run, runs, stage_in_image, Run};
use super::Context;
use crate::fix::Fix;
use crate::model::Model;

declare_rule! {
    /// `apt-get update` in a RUN that leaves `/var/lib/apt/lists` in the image.
    AptListsNotRemoved: RD402 "apt-lists-not-removed", Info, "apt package lists left in the final image";
    fix: Sometimes, hadolint: ["DL3009"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let all = runs(model);
    for run in runs(model) {
        // Only stages whose files reach a target image.
        if !stage_in_image(cx, run.stage) {
            continue;
        }
        // A cache mount on the lists keeps them out of the image.
        if run.inst.flags_named("mount").any(|f| {
            f.value
                .as_deref()
                .is_some_and(|v| v.contains("/var/lib/apt"))
        }) {
            continue;
        }
        let Some(update) = run.script.commands.iter().find(|c| apt_sub(c, "update")) else {
            continue;
        };
        let cleaned = run.script.commands.iter().any(|c| {
            (c.base_name() == Some("rm")
                && c.args()
                    .iter()
                    .any(|w| w.text().contains("/var/lib/apt/lists")))
                || apt_sub(c, "dist-clean")
        });
        if cleaned {
            continue;
        }
        let d = cx
            .report(
                &META,
                update.span,
                "`apt-get update` leaves the package lists in the image layer",
            )
            .label("lists not removed")
            .help("end the RUN with `&& rm -rf /var/lib/apt/lists/*`");
        if needed_later(model, &all, run.ii, run.stage) {
            // Removing them would break that later apt call.
            continue;
        }
        if let Some(edit) = append_to_run(&run, model, "rm -rf /var/lib/apt/lists/*") {
            d.fix = Some(Fix::unsafe_(
                "Append `&& rm -rf /var/lib/apt/lists/*`",
                vec![edit],
            ));
        }
    }
}

/// Whether a RUN after `ii` in `stage`, or in a stage built from it, runs an
/// apt command that reads the lists without an `apt-get update` of its own
/// before it.
fn needed_later(model: &Model<'_>, all: &[Run<'_>], ii: usize, stage: usize) -> bool {
    all.iter()
        .filter(|r| {
            (r.stage == stage && r.ii > ii)
                || (r.stage != stage && model.base_chain(r.stage).any(|s| s == stage))
        })
        .any(|r| {
            for c in &r.script.commands {
                if apt_sub(c, "update") {
                    return false;
                }
                if c.base_name() == Some("apt-cache")
                    || [
                        "install",
                        "upgrade",
                        "dist-upgrade",
                        "full-upgrade",
                        "source",
                        "build-dep",
                        "download",
                        "satisfy",
                        "reinstall",
                    ]
                    .iter()
                    .any(|s| apt_sub(c, s))
                {
                    return true;
                }
            }
            false
        })
}
