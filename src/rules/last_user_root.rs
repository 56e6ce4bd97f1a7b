use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::syntax::{Args, Kind};

/// The target image's last USER is root.
pub(crate) struct LastUserRoot;

static META: RuleMeta = RuleMeta {
    id: "RD409",
    slug: "last-user-root",
    summary: "The built image runs as root: its last USER is root",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    hadolint: &["DL3002"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/last-user-root.md"),
};

impl StaticRule for LastUserRoot {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
