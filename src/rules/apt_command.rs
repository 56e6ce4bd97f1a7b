use super::runs::posix_commands;
use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `apt` (the interactive front end) in a RUN.
    AptCommand: RD418 "apt-command", Warning, "`apt` in RUN instead of `apt-get` or `apt-cache`";
    fix: Sometimes, hadolint: ["DL3027"]
}

/// apt subcommands and the tool that has them with the same name.
fn script_tool(sub: &str) -> Option<&'static str> {
    match sub {
        "install" | "remove" | "purge" | "update" | "upgrade" | "dist-upgrade" | "autoremove"
        | "autopurge" | "autoclean" | "clean" | "source" | "build-dep" | "download" | "satisfy"
        | "check" | "changelog" => Some("apt-get"),
        "search" | "show" | "showsrc" | "policy" | "depends" | "rdepends" | "madison" => {
            Some("apt-cache")
        }
        _ => None,
    }
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        if cmd.base_name() != Some("apt") {
            continue;
        }
        let word = &cmd.words[0];
        let sub = cmd
            .operands()
            .next()
            .and_then(|w| w.lit.clone())
            .unwrap_or_default();
        let tool = script_tool(&sub);
        let d = cx.report(
            &META,
            word.span,
            "`apt` is meant for people at a terminal; its interface may change between releases",
        )
        .label("interactive front end")
        .help(format!(
            "use `{}` in scripts",
            tool.unwrap_or("apt-get` or `apt-cache")
        ));
        if let (Some(tool), Some("apt")) = (tool, cmd.name()) {
            d.fix = Some(Fix::unsafe_(
                format!("Replace `apt` with `{tool}` (`apt upgrade` also installs new dependencies, `apt-get upgrade` does not; output and defaults differ)"),
                vec![Edit::replace(word.span, tool)],
            ));
        }
    }
}
