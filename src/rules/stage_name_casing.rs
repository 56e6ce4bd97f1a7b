use super::Context;
use crate::fix::{Edit, Fix};
use crate::model::RefTarget;

declare_rule! {
    /// A stage name with upper-case letters.
    StageNameCasing: RD107 "stage-name-casing", Warning, "Stage name is not lower case";
    fix: Always, buildkit: "StageNameCasing"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    // References by the stage they name, in file order (one pass, not
    // one per stage: files with thousands of stages stay linear).
    let mut refs: Vec<Vec<&crate::model::StageRef>> = vec![Vec::new(); model.stages.len()];
    for r in &model.references {
        if let RefTarget::Stage(s) = r.target {
            if let Some(list) = refs.get_mut(s) {
                list.push(r);
            }
        }
    }
    for stage in &model.stages {
        let Some(name) = &stage.name else { continue };
        let lower = name.text.to_ascii_lowercase();
        if lower == name.text {
            continue;
        }
        let mut edits = vec![Edit::replace(name.span, lower.clone())];
        // Every reference written as the name itself (not through a variable or index).
        for r in refs.get(stage.index).into_iter().flatten() {
            if r.raw.eq_ignore_ascii_case(&name.text)
                && r.raw != lower
                && r.span.len() == r.raw.len()
            {
                edits.push(Edit::replace(r.span, lower.clone()));
            }
        }
        cx.report(
            &META,
            name.span,
            format!("stage name `{}` should be lower case", name.text),
        )
        .label("mixed case")
        .help("BuildKit lower-cases stage names; writing them so keeps references unambiguous")
        .fix(Fix::safe(format!("Rename stage to `{lower}`"), edits));
    }
}
