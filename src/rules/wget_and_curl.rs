use super::runs::runs;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::diagnostic::Span;

/// A stage uses both wget and curl.
pub(crate) struct WgetAndCurl;

static META: RuleMeta = RuleMeta {
    id: "RD410",
    slug: "wget-and-curl",
    summary: "Both wget and curl used in one stage",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL4001"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/wget-and-curl.md"),
};

impl StaticRule for WgetAndCurl {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        let mut per_stage: Vec<(Option<Span>, Option<Span>)> =
            vec![(None, None); cx.model.stages.len()];
        for run in runs(cx.model) {
            for cmd in &run.script.commands {
                let e = &mut per_stage[run.stage];
                match cmd.base_name() {
                    Some("wget") if e.0.is_none() => e.0 = cmd.words.first().map(|w| w.span),
                    Some("curl") if e.1.is_none() => e.1 = cmd.words.first().map(|w| w.span),
                    _ => {}
                }
            }
        }
        for (wget, curl) in per_stage {
            if let (Some(w), Some(c)) = (wget, curl) {
                let second = if w.start > c.start { w } else { c };
                cx.report(
                    &META,
                    second,
                    "this stage uses both wget and curl: one is enough",
                )
                .label("second downloader")
                .help("use one of them throughout the stage");
            }
        }
    }
}
