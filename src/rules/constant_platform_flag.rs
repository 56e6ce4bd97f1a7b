use super::Context;
use crate::model::expand::references;

declare_rule! {
    /// `FROM --platform=linux/amd64`: a constant platform.
    ConstantPlatformFlag: RD112 "constant-platform-flag", Warning, "FROM --platform is a constant";
    hadolint: ["DL3029"], buildkit: "FromPlatformFlagConstDisallowed"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for stage in &model.stages {
        let from = model.from_instruction(stage.index);
        for flag in from.flags_named("platform") {
            let Some(value) = &flag.value else { continue };
            if value.is_empty() || !references(value, model.ast.escape).is_empty() {
                continue;
            }
            // As BuildKit: a stage named after its platform (`build-arm64`) is per-platform on purpose.
            let mut parts = value.split('/');
            let os = parts.next().unwrap_or("").to_ascii_lowercase();
            let arch = parts.next().unwrap_or("").to_ascii_lowercase();
            if let Some(name) = stage.name_lower() {
                if (!os.is_empty() && name.contains(&os))
                    || (!arch.is_empty() && name.contains(&arch))
                {
                    continue;
                }
            }
            cx.report(
                &META,
                flag.span,
                format!("FROM --platform flag should not use a constant value `{value}`"),
            )
            .label("constant platform")
            .help(
                "use `--platform=$BUILDPLATFORM` for build tools, or drop the flag and build with `docker build --platform`",
            );
        }
    }
}
