use super::packages::APT_GET;
use super::runs::runs;
use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `apt-get install` without `--no-install-recommends`.
    AptGetInstallRecommends: RD401 "apt-get-install-recommends", Info, "`apt-get install` pulls in recommended packages";
    fix: Always, hadolint: ["DL3015"]
}

fn check(cx: &mut Context<'_>) {
    for run in runs(cx.model) {
        let configured = run.inst.args_text.contains("APT::Install-Recommends");
        for cmd in &run.script.commands {
            let Some(sub) = APT_GET.sub(cmd, &["install"]) else {
                continue;
            };
            if cmd.base_name() != Some("apt-get") || configured {
                continue;
            }
            if cmd.has_flag("--no-install-recommends")
                || cmd
                    .args()
                    .iter()
                    .any(|w| w.text().contains("Install-Recommends"))
            {
                continue;
            }
            cx.report(
                &META,
                sub.span,
                "`apt-get install` without `--no-install-recommends` installs recommended packages too",
            )
            .label("recommends installed")
            .help("add `--no-install-recommends` and name what you need")
            .fix(Fix::unsafe_(
                "Add `--no-install-recommends` (packages that were only recommended are no longer installed)",
                vec![Edit::insert(sub.span.end, " --no-install-recommends")],
            ));
        }
    }
}
