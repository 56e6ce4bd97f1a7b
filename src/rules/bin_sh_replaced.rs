use super::runs::posix_commands;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;

/// `ln -sf /bin/bash /bin/sh`: replacing the default shell by a link.
pub(crate) struct BinShReplaced;

static META: RuleMeta = RuleMeta {
    id: "RD439",
    slug: "bin-sh-replaced",
    summary: "`ln` replaces /bin/sh instead of using SHELL",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL4005"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/bin-sh-replaced.md"),
};

impl StaticRule for BinShReplaced {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
