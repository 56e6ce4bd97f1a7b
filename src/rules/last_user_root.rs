use super::Context;
use crate::syntax::{Args, Kind};

declare_rule! {
    /// The target image's last USER is root.
    LastUserRoot: RD409 "last-user-root", Warning, "The built image runs as root: its last USER is root";
    hadolint: ["DL3002"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for &t in &cx.graph.targets {
        let Some(stage) = model.stages.get(t) else {
            continue;
        };
        let last_user = stage
            .body
            .iter()
            .rev()
            .find(|&&i| model.instruction(i).kind() == Kind::User);
        let Some(&ii) = last_user else { continue };
        let inst = model.instruction(ii);
        let Args::Text(w) = &inst.args else { continue };
        let user = w.text.split(':').next().unwrap_or("").trim();
        let user = model
            .scope
            .expand_at(ii, t, user, model.ast.escape)
            .unwrap_or_else(|| user.to_string());
        if user == "root" || user == "0" {
            cx.report(
                &META,
                w.span,
                format!("the image `{}` runs as root", stage.label()),
            )
            .label("last USER")
            .help("switch to an unprivileged user at the end of the stage");
        }
    }
}
