use super::util::expanded;
use super::Context;
use crate::syntax::{Args, Kind};

declare_rule! {
    /// The image's USER is a name, not a numeric UID.
    NonNumericUser: RD441 "non-numeric-user", Info, "The image's USER is a name, not a numeric UID";
    hadolint: ["DL3066"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let mut seen = Vec::new();
    for &t in &cx.graph.targets {
        // The USER the image runs as: the last one in the target, or in
        // the stage it is built FROM, and so on.
        let found = model.base_chain(t).find_map(|s| {
            model.stages[s]
                .body
                .iter()
                .rev()
                .copied()
                .find(|&i| model.instruction(i).kind() == Kind::User)
        });
        let Some(ii) = found else { continue };
        if seen.contains(&ii) {
            continue;
        }
        seen.push(ii);
        let inst = model.instruction(ii);
        let Args::Text(w) = &inst.args else { continue };
        let Some(value) = expanded(model, ii, &w.text) else {
            continue;
        };
        let user = value.split(':').next().unwrap_or("").trim();
        if user.is_empty() || user.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        cx.report(
            &META,
            w.span,
            format!("the image runs as the user name `{user}`: a name can only be resolved inside the image, so Kubernetes' runAsNonRoot cannot check it"),
        )
        .label("user name")
        .help(format!(
            "use the numeric UID (and GID) of `{user}`, e.g. `USER 10001:10001`"
        ));
    }
}
