use super::runs::{
    append_to_run, later, mounts_over, removes, runs, stage_in_image, tool_sub, ZYPPER_VALUED,
};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::Fix;

/// `zypper install` without `zypper clean` after it in the same RUN.
pub(crate) struct ZypperCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "RD424",
    slug: "zypper-cache-not-cleaned",
    summary: "`zypper install` leaves its cache in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3036"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/zypper-cache-not-cleaned.md"),
};

const CACHE: [&str; 1] = ["/var/cache/zypp"];

impl Rule for ZypperCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for run in runs(model) {
            if !run.posix || !stage_in_image(cx, run.stage) || mounts_over(&run, &CACHE) {
                continue;
            }
            let Some((cmd, sub)) = run.script.commands.iter().find_map(|c| {
                tool_sub(c, &["zypper"], &["install", "in"], ZYPPER_VALUED).map(|s| (c, s))
            }) else {
                continue;
            };
            let cleaned = later(&run, cmd, |c| {
                tool_sub(c, &["zypper"], &["clean", "cc"], ZYPPER_VALUED).is_some()
                    || removes(c, &CACHE)
            });
            if cleaned {
                continue;
            }
            let d = cx.report(
                &META,
                sub.span,
                "`zypper install` leaves the package cache in the layer: no `zypper clean` after it in this RUN",
            );
            d.label = Some("cache kept".into());
            d.help = Some("end the RUN with `&& zypper clean --all`".into());
            if let Some(edit) = append_to_run(&run, model, "zypper clean --all") {
                d.fix = Some(Fix::unsafe_("Append `&& zypper clean --all`", vec![edit]));
            }
        }
    }
}
