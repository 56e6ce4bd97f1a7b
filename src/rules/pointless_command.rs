use super::runs::{later, runs};
use super::Context;

declare_rule! {
    /// Commands that do nothing useful in a build step.
    PointlessCommand: RD435 "pointless-command", Info, "Command that has no lasting effect in a build step";
    hadolint: ["DL3001"]
}

fn why(name: &str) -> Option<&'static str> {
    Some(match name {
        "ssh" => "a build step has no one to log in, and no keys unless you mount them",
        "vim" => "no one can type into an editor during a build",
        "shutdown" => "a build container has no system to shut down",
        "service" => "the service stops when the step ends; it does not run in the image",
        "ps" | "top" | "free" => {
            "it only shows the build container's state, which is gone after the step"
        }
        "kill" => "processes of the step end with it anyway",
        "mount" => "mounts do not survive the step, and need privileges a build does not have",
        "ifconfig" => {
            "it shows or changes the build container's network, which is gone after the step"
        }
        _ => return None,
    })
}

fn check(cx: &mut Context<'_>) {
    for run in runs(cx.model) {
        if !run.posix {
            continue;
        }
        let ssh_mount = run.inst.flags_named("mount").any(|f| {
            f.value
                .as_deref()
                .is_some_and(|v| v.split(',').any(|p| p.trim() == "type=ssh"))
        });
        for cmd in &run.script.commands {
            let Some(name) = cmd.base_name() else {
                continue;
            };
            let Some(reason) = why(name) else { continue };
            // A service started, or a process signalled, for the commands after it.
            let after = later(&run, cmd, |c| c.base_name().is_some());
            let before = run
                .script
                .commands
                .iter()
                .any(|c| c.span.start < cmd.span.start && c.base_name().is_some());
            let stops = cmd.args().iter().any(|w| w.is("stop"));
            let for_later = match name {
                "service" | "mount" => after || (stops && before),
                "kill" => after || before,
                _ => false,
            };
            if for_later || (name == "ssh" && ssh_mount) {
                continue;
            }
            cx.report(
                &META,
                cmd.words[0].span,
                format!("`{name}` in a build step: {reason}"),
            )
            .label("no lasting effect")
            .help("remove it; set up what the container needs at start (CMD or ENTRYPOINT)");
        }
    }
}
