use super::runs::runs;
use super::Context;
use crate::diagnostic::Span;

declare_rule! {
    /// A stage uses both wget and curl.
    WgetAndCurl: RD410 "wget-and-curl", Info, "Both wget and curl used in one stage";
    hadolint: ["DL4001"]
}

fn check(cx: &mut Context<'_>) {
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
