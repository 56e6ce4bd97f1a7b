use super::dnf_install_without_yes::DNF;
use super::runs::{
    append_to_run, later, mounts_over, removes, runs, stage_in_image, tool_sub, RPM_VALUED,
};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::Fix;

/// `dnf install` without `dnf clean all` after it in the same RUN.
pub(crate) struct DnfCacheNotCleaned;

static META: RuleMeta = RuleMeta {
    id: "RD427",
    slug: "dnf-cache-not-cleaned",
    summary: "`dnf install` leaves its cache in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3040"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/dnf-cache-not-cleaned.md"),
};

const CACHE: [&str; 2] = ["/var/cache/dnf", "/var/cache/yum"];

impl Rule for DnfCacheNotCleaned {
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
                .find_map(|c| tool_sub(c, &DNF, &subs, RPM_VALUED).map(|s| (c, s)))
            else {
                continue;
            };
            let cleaned = later(&run, cmd, |c| {
                tool_sub(c, &DNF, &["clean"], RPM_VALUED).is_some() || removes(c, &CACHE)
            });
            if cleaned {
                continue;
            }
            let tool = cmd.base_name().unwrap_or("dnf");
            let d = cx.report(
                &META,
                sub.span,
                format!("`{tool} install` leaves the package cache in the layer: no `{tool} clean all` after it in this RUN"),
            );
            d.label = Some("cache kept".into());
            d.help = Some(format!("end the RUN with `&& {tool} clean all`"));
            if let Some(edit) = append_to_run(&run, model, &format!("{tool} clean all")) {
                d.fix = Some(Fix::unsafe_(
                    format!("Append `&& {tool} clean all`"),
                    vec![edit],
                ));
            }
        }
    }
}
