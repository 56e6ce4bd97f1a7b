use super::packages::{apk_sub, APK};
use super::runs::runs;
use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `apk add` without `--no-cache`.
    ApkAddCache: RD405 "apk-add-cache", Info, "`apk add` without `--no-cache` keeps the package index in the image";
    fix: Sometimes, hadolint: ["DL3019"]
}

fn check(cx: &mut Context<'_>) {
    for run in runs(cx.model) {
        if run.inst.flags_named("mount").any(|f| {
            f.value
                .as_deref()
                .is_some_and(|v| APK.clean.cache.iter().any(|c| v.contains(c)))
        }) {
            continue;
        }
        let cleaned = run.inst.args_text.contains(APK.clean.cache[0]);
        for cmd in &run.script.commands {
            let Some(sub) = APK.sub(cmd, &["add"]) else {
                continue;
            };
            // `--no-network` reads no index either (it installs from the cache
            // or local files).
            if cmd.has_flag(APK.clean.flag) || cmd.has_flag("--no-network") || cleaned {
                continue;
            }
            let d = cx
                .report(
                    &META,
                    sub.span,
                    "`apk add` without `--no-cache` leaves the index in the layer",
                )
                .label("cache kept")
                .help("use `apk add --no-cache`");
            let updated = run.script.commands.iter().any(|c| apk_sub(c, "update"));
            if !updated {
                d.fix = Some(Fix::unsafe_(
                    "Add `--no-cache`",
                    vec![Edit::insert(sub.span.end, " --no-cache")],
                ));
            }
        }
    }
}
