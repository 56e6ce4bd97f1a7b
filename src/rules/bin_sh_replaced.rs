use super::runs::posix_commands;
use super::Context;

declare_rule! {
    /// `ln -sf /bin/bash /bin/sh`: replacing the default shell by a link.
    BinShReplaced: RD439 "bin-sh-replaced", Warning, "`ln` replaces /bin/sh instead of using SHELL";
    hadolint: ["DL4005"]
}

fn check(cx: &mut Context<'_>) {
    for cmd in posix_commands(cx.model) {
        if cmd.base_name() != Some("ln") || cmd.has_flag("-t") {
            continue;
        }
        if cmd
            .args()
            .iter()
            .any(|w| w.text().starts_with("--target-directory"))
        {
            continue;
        }
        let ops: Vec<_> = cmd.operands().collect();
        if ops.len() < 2 {
            continue;
        }
        let Some(link) = ops.last() else { continue };
        if !(link.is("/bin/sh") || link.is("/usr/bin/sh")) {
            continue;
        }
        cx.report(
            &META,
            link.span,
            "`ln` replaces /bin/sh: use the SHELL instruction to change the shell of RUN",
        )
        .label("replaces /bin/sh")
        .help(
            "write `SHELL [\"/bin/bash\", \"-c\"]`; scripts in the image that expect a POSIX /bin/sh keep working",
        );
    }
}
