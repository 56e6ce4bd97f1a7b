use super::runs::{
    append_to_run, later, mounts_over, removes, runs, stage_in_image, tool_sub, RPM_VALUED,
};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::Fix;

/// `yum install` without `yum clean all` in the same RUN.
pub(crate) struct YumCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "RD420",
    slug: "yum-cache-not-cleaned",
    summary: "`yum install` leaves its cache in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3032"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/yum-cache-not-cleaned.md"),
};

const CACHE: [&str; 2] = ["/var/cache/yum", "/var/cache/dnf"];

impl Rule for YumCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for run in runs(model) {
            if !run.posix || !stage_in_image(cx, run.stage) || mounts_over(&run, &CACHE) {
                continue;
            }
            let subs = ["install", "groupinstall", "localinstall", "reinstall"];
            let Some((cmd, sub)) = run
                .script
                .commands
                .iter()
                .find_map(|c| tool_sub(c, &["yum"], &subs, RPM_VALUED).map(|s| (c, s)))
            else {
                continue;
            };
            let cleaned = later(&run, cmd, |c| {
                tool_sub(c, &["yum"], &["clean"], RPM_VALUED).is_some() || removes(c, &CACHE)
            });
            if cleaned {
                continue;
            }
            let d = cx.report(
                &META,
                sub.span,
                "`yum install` leaves the package cache in the layer: no `yum clean all` after it in this RUN",
            );
            d.label = Some("cache kept".into());
            d.help = Some("end the RUN with `&& yum clean all`".into());
            if let Some(edit) = append_to_run(&run, model, "yum clean all") {
                d.fix = Some(Fix::unsafe_("Append `&& yum clean all`", vec![edit]));
            }
        }
    }
}
