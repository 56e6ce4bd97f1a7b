use super::util::expanded;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

/// COPY or ADD of several sources to a destination that is not a directory.
pub(crate) struct CopySourcesToFile;

static META: RuleMeta = RuleMeta {
    id: "RD437",
    slug: "copy-sources-to-file",
    summary: "COPY of several sources to a destination without a trailing `/`",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    hadolint: &["DL3021"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/copy-sources-to-file.md"),
};

impl StaticRule for CopySourcesToFile {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
