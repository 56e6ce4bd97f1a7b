use super::runs::{apt_sub, runs, stage_in_image};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `apt-get update` in a RUN that leaves `/var/lib/apt/lists` in the image.
pub(crate) struct AptListsNotRemoved;

static META: RuleMeta = RuleMeta {
    id: "RD402",
    slug: "apt-lists-not-removed",
    summary: "apt package lists left in the final image",
    severity: Severity::Info,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3009"],
    buildkit: None,
    default_enabled: true,
    doc: include_str!("../../rules/apt-lists-not-removed.md"),
};

impl Rule for AptListsNotRemoved {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
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
            let d = cx.report(
                &META,
                update.span,
                "`apt-get update` leaves the package lists in the image layer",
            );
            d.label = Some("lists not removed".into());
            d.help = Some("end the RUN with `&& rm -rf /var/lib/apt/lists/*`".into());
            if run.inst.heredocs.is_empty() && !run.inst.is_exec_form() {
                d.fix = Some(Fix::safe(
                    "Append `&& rm -rf /var/lib/apt/lists/*`",
                    vec![Edit::insert(
                        run.inst.span.end,
                        " \\\n    && rm -rf /var/lib/apt/lists/*",
                    )],
                ));
            }
        }
    }
}
