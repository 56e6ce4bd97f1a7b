use super::Context;
use crate::diagnostic::{Related, Span};
use crate::fix::diff::edits_between;
use crate::fix::{apply_fixes, Fix};
use crate::model::Model;
use crate::parallel;

declare_rule! {
    /// RUN steps of one stage that do not depend on each other but run one after another.
    SerialIndependentRuns: RD501 "serial-independent-runs", Info, "Independent RUN steps run one after another";
    fix: Always
}

fn secs(s: f64) -> String {
    let r = (s * 10.0).round() / 10.0;
    if r >= 10.0 || r.fract() == 0.0 {
        format!("{r:.0}s")
    } else {
        format!("{r:.1}s")
    }
}

fn check(cx: &mut Context<'_>) {
    let (model, graph) = (cx.model, cx.graph);
    // The same file with the commands of each RUN as steps of their own
    // (`parallel::explode`), when some RUN has such commands.
    let exploded = parallel::explode::explode(model, &cx.settings.inputs, &cx.settings.commands);
    let emodel = exploded
        .as_ref()
        .map(|e| Model::new(&e.text, &cx.settings.inputs))
        .filter(|m| {
            exploded
                .as_ref()
                .is_some_and(|e| m.instructions.len() == e.original_instruction.len())
                && m.stages.len() == model.stages.len()
        });
    // Stage names the rewrites of this file take, so that two fixes
    // applied in one pass never pick the same one.
    let mut reserved: Vec<String> = Vec::new();
    let gain = |p: &parallel::Proposal| p.serial_seconds - p.parallel_seconds;
    for s in 0..model.stages.len() {
        if cx.cancelled() {
            return;
        }
        // Dead stages are another rule's business.
        if !graph.reachable.get(s).copied().unwrap_or(false) {
            continue;
        }
        // A proposal whose paths a build argument names is dropped: the
        // rewrite would copy today's paths in every build.
        let (inputs, extra) = (&cx.settings.inputs, &cx.settings.commands);
        let whole = parallel::analyze_settled(model, s, inputs, extra);
        let inside = emodel
            .as_ref()
            .zip(exploded.as_ref())
            .map(|(m, e)| e.analyze(m, s, graph.may_ship(model, s), inputs, extra));
        let whole_gain = whole.proposal.as_ref().map_or(0.0, gain);
        // Splitting inside RUN steps rewrites more of the file: only
        // when it saves clearly more than splitting whole steps.
        let prefer_inside = inside
            .as_ref()
            .and_then(|a| a.proposal.as_ref())
            .is_some_and(|p| gain(p) >= whole_gain + parallel::MIN_GAIN_SECONDS);
        let mut tried_whole = false;
        if !prefer_inside {
            tried_whole = true;
            if let Some(p) = &whole.proposal {
                if let Some(fix) = parallel::rewrite(model, &whole, p, &mut reserved) {
                    report(cx, model, &|ii| ii, &whole, p, fix, false);
                    continue;
                }
            }
        }
        if let (Some(a), Some(m), Some(e)) = (&inside, &emodel, &exploded) {
            if let Some(p) = &a.proposal {
                if let Some(fix) = inside_fix(model, m, e, a, p, &mut reserved) {
                    let original = |ii: usize| e.original_instruction[ii];
                    report(cx, m, &original, a, p, fix, true);
                    continue;
                }
            }
        }
        if !tried_whole {
            if let Some(p) = &whole.proposal {
                if let Some(fix) = parallel::rewrite(model, &whole, p, &mut reserved) {
                    report(cx, model, &|ii| ii, &whole, p, fix, false);
                }
            }
        }
    }
}

/// The fix for a proposal found in the exploded file: rewritten there, the
/// pieces still side by side joined again, as edits of the file.
fn inside_fix(
    model: &Model<'_>,
    emodel: &Model<'_>,
    exploded: &parallel::explode::Exploded,
    analysis: &parallel::StageAnalysis,
    p: &parallel::Proposal,
    reserved: &mut Vec<String>,
) -> Option<Fix> {
    let efix = parallel::rewrite(emodel, analysis, p, reserved)?;
    let (after, applied) = apply_fixes(&exploded.text, [&efix]);
    if applied != 1 {
        return None;
    }
    let back = exploded.implode(&after)?;
    Some(Fix::new(
        efix.title.clone(),
        edits_between(model.text, &back),
        efix.applicability,
    ))
}

/// Report `p`, found in `model` (the file, or the file exploded), whose
/// instruction `ii` is the file's `original(ii)`.
fn report(
    cx: &mut Context<'_>,
    model: &Model<'_>,
    original: &dyn Fn(usize) -> usize,
    analysis: &parallel::StageAnalysis,
    p: &parallel::Proposal,
    fix: Fix,
    inside: bool,
) {
    let file = cx.model;
    let step = |i: usize| file.instruction(original(analysis.steps[i].instruction));
    let first = step(p.segment[0]);
    let last = step(*p.segment.last().unwrap_or(&p.segment[0]));
    let chains: Vec<String> = p
        .split
        .iter()
        .map(|c| format!("{} ~{}", c.name, secs(c.cost)))
        .collect();
    let what = if inside {
        "chains of commands inside its RUN steps"
    } else {
        "RUN chains"
    };
    let d = cx.report(
        &META,
        Span::new(first.span.start, last.span.end),
        format!(
            "stage `{}` runs {} independent {what} one after another ({}): as parallel stages the estimated time drops from {} to {}",
            model.stages[analysis.stage].label(),
            p.split.len(),
            chains.join(", "),
            secs(p.serial_seconds),
            secs(p.parallel_seconds)
        ),
    )
    .label("these steps touch separate files");
    d.related = p
        .split
        .iter()
        .map(|c| {
            let i = step(c.steps[0]);
            Related {
                span: i.keyword.span,
                message: format!(
                    "chain `{}` writes {}",
                    c.name,
                    c.outputs
                        .iter()
                        .map(|o| o.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        })
        .collect();
    d.help = Some(match &p.caveat {
        None => "`rdock explain-deps` shows why the steps are independent".into(),
        Some(why) => format!(
            "unsafe fix (--unsafe-fixes): the files are the same, but {why}; `rdock explain-deps` shows why the steps are independent"
        ),
    });
    d.fix = Some(fix);
}
