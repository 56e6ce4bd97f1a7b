use super::util::expanded;
use super::Context;
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

declare_rule! {
    /// COPY or ADD of several sources to a destination that is not a directory.
    CopySourcesToFile: RD437 "copy-sources-to-file", Error, "COPY of several sources to a destination without a trailing `/`";
    fix: Sometimes, hadolint: ["DL3021"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for ii in 0..model.instructions.len() {
        let inst = model.instruction(ii);
        if !matches!(inst.kind(), Kind::Copy | Kind::Add) {
            continue;
        }
        let words = inst.words();
        if words.len() < 3 {
            continue;
        }
        let Some(dest_word) = words.last() else {
            continue;
        };
        let Some(dest) = expanded(model, ii, &dest_word.text) else {
            continue;
        };
        // `.` and `..` name directories already.
        let dir = dest.ends_with('/')
            || dest.ends_with('\\')
            || dest == "."
            || dest == ".."
            || dest.ends_with("/.")
            || dest.ends_with("/..");
        if dir || dest.is_empty() {
            continue;
        }
        let name = inst.kind().as_str();
        let d = cx.report(
            &META,
            dest_word.span,
            format!(
                "{name} of {} sources to `{dest}`: with more than one source the destination must be a directory ending in `/`",
                words.len() - 1
            ),
        )
        .label("not a directory")
        .help(format!("write `{dest}/`"));
        let exact = matches!(inst.args, Args::List(_))
            && dest_word.span.len() == dest_word.text.len()
            && !dest_word.text.ends_with(['"', '\'']);
        if exact {
            d.fix = Some(Fix::unsafe_(
                "Add a trailing `/` (the sources are then copied into the directory; before, the build failed or each source overwrote the last)",
                vec![Edit::insert(dest_word.span.end, "/")],
            ));
        }
    }
}
