use super::Context;
use crate::syntax::{Args, Kind};

declare_rule! {
    /// COPY or ADD of a path that `.dockerignore` leaves out of the context.
    CopyIgnoredFile: RD208 "copy-ignored-file", Warning, "COPY or ADD of a file that .dockerignore excludes";
    buildkit: "CopyIgnoredFile"
}

fn check(cx: &mut Context<'_>) {
    let Some(ignore) = cx.settings.dockerignore.as_ref() else {
        return;
    };
    let model = cx.model;
    let escape = model.ast.escape;
    for stage in &model.stages {
        for &ii in &stage.body {
            let inst = model.instruction(ii);
            if !matches!(inst.kind(), Kind::Copy | Kind::Add) || inst.flag("from").is_some() {
                continue;
            }
            let words = match &inst.args {
                Args::List(w) | Args::Exec(w) => w,
                _ => continue,
            };
            let Some((_, sources)) = words.split_last() else {
                continue;
            };
            for word in sources {
                let t = &word.text;
                if t.starts_with("<<") || t.contains("://") || t.starts_with("git@") {
                    continue;
                }
                let Some(path) = model.scope.expand_at(ii, stage.index, t, escape) else {
                    continue;
                };
                let Some(pattern) = ignore.excluding_pattern(&path) else {
                    continue;
                };
                // A folder or glob a later `!` pattern brings part of
                // back: the copy takes that part.
                if ignore.reincludes_inside(&path) {
                    continue;
                }
                let name = inst.kind().as_str();
                let d = cx.report(
                    &META,
                    word.span,
                    format!(
                        "attempting to {name} file `{path}` that is excluded by {}",
                        ignore.source
                    ),
                );
                d.label = Some(format!("excluded by `{pattern}`"));
                d.help = Some(format!(
                    "add `!{path}` to {} or do not {name} it",
                    ignore.source
                ));
            }
        }
    }
}
