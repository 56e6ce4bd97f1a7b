//! The parallelizer: which RUN steps of a stage are independent, and the
//! rewrite of a serial stage into parallel stages joined with `COPY --from`.
//!
//! BuildKit builds stages concurrently but runs the steps of one stage one
//! after another. A stage whose RUN steps form independent chains (no chain
//! reads or writes what another writes) is rewritten as: a prefix stage with
//! everything before the steps, one stage per chain built `FROM` the prefix,
//! and the original stage rebuilt `FROM` the prefix with the chains' outputs
//! copied in, in the original order, followed by the rest of the stage.

mod coreutils;
pub mod effects;
pub mod explode;
mod installs;
mod links;
pub mod models;
pub mod paths;
mod rewrite;

use crate::model::Model;
use crate::syntax::Kind;
pub use effects::Effects;
use installs::{moved_past_install, program_names};
pub use paths::PathRef;
pub use rewrite::rewrite;

/// Chains estimated to take less than this many seconds stay in the final stage.
pub const MIN_CHAIN_SECONDS: f64 = 1.0;
/// A split must save at least this much estimated time.
pub const MIN_GAIN_SECONDS: f64 = 1.0;

/// One instruction of a stage and what is known about it.
#[derive(Debug, Clone)]
pub struct Step {
    /// Index into `Model::instructions`.
    pub instruction: usize,
    pub effects: Effects,
    /// Why the step cannot move (every non-RUN instruction, and opaque RUNs).
    pub barrier: Option<String>,
}

/// A dependence between two steps (indices into `StageAnalysis::steps`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dependence {
    pub from: usize,
    pub to: usize,
    pub reason: String,
}

/// A set of steps that must stay together, in order.
#[derive(Debug, Clone)]
pub struct Chain {
    pub steps: Vec<usize>,
    /// What the chain leaves behind for the final stage.
    pub outputs: Vec<PathRef>,
    /// What it deletes that the final stage must delete too (`RUN rm -rf`).
    pub removes: Vec<PathRef>,
    pub cost: f64,
    /// The part of `cost` that keeps a core busy.
    pub cpu: f64,
    /// Why it cannot become a stage of its own (it then stays in the final stage).
    pub unsplittable: Option<String>,
    pub name: String,
    /// Every output is a file the chain wrote (no directory, no tree), so
    /// `cp -p` can hand it over as COPY --from does ([`Handover`]).
    pub files_only: bool,
}

/// A chain whose outputs reach the final stage inside a RUN instead of by
/// COPY --from: that RUN mounts the chain's stage and copies the files with
/// `cp -p` first. A split inside a RUN uses it when a later command of the
/// same RUN deletes or replaces what the chain leaves: the file then lives
/// and dies in one layer, as it did before the split.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    /// Index into [`Proposal::split`].
    pub chain: usize,
    /// The step (index into [`StageAnalysis::steps`]) the RUN that receives
    /// the files starts with, among [`Proposal::stay`] or after the segment.
    pub before: usize,
}

/// A proposed split of one run of consecutive RUN steps.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Step indices of the segment, in order.
    pub segment: Vec<usize>,
    /// Chains that become stages, in order of their first step.
    pub split: Vec<Chain>,
    /// Steps that stay in the final stage, in order.
    pub stay: Vec<usize>,
    pub serial_seconds: f64,
    pub parallel_seconds: f64,
    /// Why the rewrite is offered only as an unsafe fix: it builds the same
    /// files, but something about the image rdock cannot rule out may
    /// differ (said to the user).
    pub caveat: Option<String>,
    /// Chains handed over inside a RUN rather than by COPY --from.
    pub handovers: Vec<Handover>,
    /// A chain runs before a package install it followed (the caveat says
    /// so): among proposals with a caveat, one without this is preferred.
    pub moves_past_install: bool,
}

#[derive(Debug, Clone)]
pub struct StageAnalysis {
    pub stage: usize,
    pub steps: Vec<Step>,
    pub dependences: Vec<Dependence>,
    pub chains: Vec<Chain>,
    pub proposal: Option<Proposal>,
    /// Why nothing is proposed, when nothing is.
    pub why_not: Option<String>,
}

/// Analyse every stage.
pub fn analyze(model: &Model<'_>, extra: &[models::CommandModel]) -> Vec<StageAnalysis> {
    (0..model.stages.len())
        .map(|s| analyze_stage(model, s, extra))
        .collect()
}

/// [`analyze_stage`], without a proposal whose paths a build argument names
/// ([`depends_on_build_args`]): what RD501 offers.
pub fn analyze_settled(
    model: &Model<'_>,
    stage: usize,
    inputs: &crate::model::BuildInputs,
    extra: &[models::CommandModel],
) -> StageAnalysis {
    analyze_settled_screened(model, stage, inputs, extra, &|_, _| Ok(None))
}

/// A caller's judgement of a candidate split (see [`analyze_stage_screened`]):
/// `Ok(None)` to take it, `Ok(Some(caveat))` to take it as an unsafe fix
/// that says why, `Err(why)` to refuse it. It may choose how the chains are
/// handed over ([`Proposal::handovers`]).
pub type Screen<'a> = &'a dyn Fn(&[Step], &mut Proposal) -> Result<Option<String>, String>;

/// [`analyze_settled`] with candidate splits screened by the caller.
pub fn analyze_settled_screened(
    model: &Model<'_>,
    stage: usize,
    inputs: &crate::model::BuildInputs,
    extra: &[models::CommandModel],
    screen: Screen<'_>,
) -> StageAnalysis {
    let mut a = analyze_stage_screened(model, stage, extra, screen);
    if let Some(p) = &a.proposal {
        if let Some(why) = depends_on_build_args(model, inputs, &a, p, extra, screen) {
            a.proposal = None;
            a.why_not = Some(why);
        }
    }
    a
}

pub fn analyze_stage(
    model: &Model<'_>,
    stage: usize,
    extra: &[models::CommandModel],
) -> StageAnalysis {
    analyze_stage_screened(model, stage, extra, &|_, _| Ok(None))
}

/// [`analyze_stage`], every candidate split (each window of each run of
/// steps) judged by `screen` before the best is chosen: a split without a
/// caveat is preferred, then the one that saves the most.
pub fn analyze_stage_screened(
    model: &Model<'_>,
    stage: usize,
    extra: &[models::CommandModel],
    screen: Screen<'_>,
) -> StageAnalysis {
    analyze_stage_with(model, stage, extra, screen, &Evidence::new())
}

/// What a trace of a build saw RUN steps do (`rdock trace --propose`), by
/// instruction index: the effects of steps whose commands rdock has no
/// model of. One run of a build, not a proof: a split that rests on it is
/// offered only as unsafe (see [`analyze_stage_traced`]).
pub type Evidence = std::collections::HashMap<usize, Effects>;

/// [`analyze_stage`] with the `evidence` of a trace standing in for the
/// steps rdock cannot follow. A split that moves such a step comes with a
/// caveat that says so.
pub fn analyze_stage_traced(
    model: &Model<'_>,
    stage: usize,
    extra: &[models::CommandModel],
    evidence: &Evidence,
) -> StageAnalysis {
    let screen = |steps: &[Step], p: &mut Proposal| -> Result<Option<String>, String> {
        let traced: Vec<usize> = p
            .segment
            .iter()
            .map(|&i| steps[i].instruction)
            .filter(|ii| evidence.contains_key(ii))
            .collect();
        if traced.is_empty() {
            return Ok(None);
        }
        let lines: Vec<String> = traced
            .iter()
            .map(|&ii| model.line_of(ii).to_string())
            .collect();
        Ok(Some(format!(
            "rdock has no model of the RUN step{} at line {}; a trace of one build shows what {} read, wrote and deleted, but not the names {} only looked up, nor what another build could do differently: check the rewrite with `rdock verify`",
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", "),
            if lines.len() == 1 { "it" } else { "they" },
            if lines.len() == 1 { "it" } else { "they" },
        )))
    };
    analyze_stage_with(model, stage, extra, &screen, evidence)
}

fn analyze_stage_with(
    model: &Model<'_>,
    stage: usize,
    extra: &[models::CommandModel],
    screen: Screen<'_>,
    evidence: &Evidence,
) -> StageAnalysis {
    let steps: Vec<Step> = model.stages[stage]
        .body
        .iter()
        .map(|&ii| {
            let inst = model.instruction(ii);
            if model.instruction_has_error(ii) {
                return Step {
                    instruction: ii,
                    effects: Effects::default(),
                    barrier: Some(format!(
                        "{} does not parse",
                        inst.keyword.text.to_ascii_uppercase()
                    )),
                };
            }
            if effects::passable(inst.kind()) {
                return Step {
                    instruction: ii,
                    effects: Effects::default(),
                    barrier: None,
                };
            }
            if inst.kind() != Kind::Run {
                return Step {
                    instruction: ii,
                    effects: Effects::default(),
                    barrier: Some(format!(
                        "{} changes what later steps see",
                        inst.keyword.text.to_ascii_uppercase()
                    )),
                };
            }
            let mut fx = effects::run_effects(model, ii, extra);
            if let (Some(_), Some(traced)) = (&fx.opaque, evidence.get(&ii)) {
                fx = traced.clone();
            }
            Step {
                instruction: ii,
                barrier: fx.opaque.clone(),
                effects: fx,
            }
        })
        .collect();
    let mut steps = steps;
    // Links the stages this one is built FROM made (the farthest first);
    // only read when two RUN steps could be split at all (a long FROM chain
    // would otherwise be walked again for every stage).
    let mut inherited: Vec<(String, Option<String>, bool)> = Vec::new();
    let splittable = steps
        .windows(2)
        .any(|w| w[0].barrier.is_none() && w[1].barrier.is_none());
    if splittable {
        let ancestors: Vec<usize> = model.base_chain(stage).skip(1).collect();
        for &st in ancestors.iter().rev() {
            for &ii in &model.stages[st].body {
                if model.instruction(ii).kind() == Kind::Run {
                    inherited.extend(links::links_of(
                        &effects::run_effects(model, ii, extra).events,
                    ));
                }
            }
        }
    }
    links::follow_links(&mut steps, inherited);
    let mut out = StageAnalysis {
        stage,
        steps,
        dependences: Vec::new(),
        chains: Vec::new(),
        proposal: None,
        why_not: None,
    };
    // Segments: maximal runs of consecutive RUN steps with known effects,
    // at most MAX_SEGMENT long (the dependences are pairs of steps).
    let mut segments: Vec<Vec<usize>> = Vec::new();
    let mut cur = Vec::new();
    for (i, s) in out.steps.iter().enumerate() {
        if s.barrier.is_none() {
            cur.push(i);
            if cur.len() == MAX_SEGMENT {
                segments.push(std::mem::take(&mut cur));
            }
        } else if !cur.is_empty() {
            segments.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        segments.push(cur);
    }
    // Instructions a RUN moves past at either end of a segment stay outside it.
    let is_run = |i: usize| model.instruction(out.steps[i].instruction).kind() == Kind::Run;
    for seg in &mut segments {
        while seg.last().is_some_and(|&i| !is_run(i)) {
            seg.pop();
        }
        let lead = seg.iter().take_while(|&&i| !is_run(i)).count();
        seg.drain(..lead);
    }
    let mut best: Option<Proposal> = None;
    let mut why_not = Vec::new();
    for seg in segments
        .iter()
        .filter(|s| s.iter().filter(|&&i| is_run(i)).count() >= 2)
    {
        let root = effects::runs_as_root(model, out.steps[seg[0]].instruction);
        let deps = dependences(&out.steps, seg);
        // The whole segment, for `explain-deps`.
        out.chains
            .extend(chains_in(model, &out.steps, seg, &deps, root));
        // Steps at the start that the rest builds on stay in the prefix stage,
        // steps at the end that join the chains stay after the copies: both
        // keep their order, so every window of the segment is a candidate.
        let n = seg.len();
        let windows: Vec<(usize, usize)> = if n <= MAX_WINDOWED_SEGMENT {
            (0..n)
                .flat_map(|c| (c + 2..=n).map(move |d| (c, d)))
                .collect()
        } else {
            vec![(0, n)]
        };
        let mut first_err = None;
        // Why the caller refused a split that was there: a better answer
        // than the whole segment's own when nothing is proposed.
        let mut refused = None;
        for (c, d) in windows {
            let sub = &seg[c..d];
            // A window is as the segments are: from a RUN to a RUN (the
            // instructions outside stay where they are either way).
            if !is_run(sub[0]) || !is_run(sub[sub.len() - 1]) {
                continue;
            }
            let chains = chains_in(model, &out.steps, sub, &deps, root);
            let screened = propose(model, &out.steps, sub, &chains).and_then(|mut p| {
                let screened = screen(&out.steps, &mut p).inspect_err(|e| {
                    refused.get_or_insert(e.clone());
                })?;
                p.caveat = match (screened, p.caveat.take()) {
                    (Some(a), Some(b)) => Some(format!("{a}; and {b}")),
                    (a, b) => a.or(b),
                };
                Ok(p)
            });
            match screened {
                Ok(p) => {
                    let gain = p.serial_seconds - p.parallel_seconds;
                    // A proposal without a caveat first, then one that
                    // moves nothing before a package install.
                    let rank = |x: &Proposal| (x.caveat.is_none(), !x.moves_past_install);
                    let better = best.as_ref().is_none_or(|b| {
                        match rank(&p).cmp(&rank(b)) {
                            std::cmp::Ordering::Greater => true,
                            std::cmp::Ordering::Less => false,
                            // Then the one that saves the most, then the
                            // one with fewer hand-overs (the plainer text).
                            _ => {
                                let b_gain = b.serial_seconds - b.parallel_seconds;
                                gain > b_gain + 1e-9
                                    || (gain > b_gain - 1e-9
                                        && p.handovers.len() < b.handovers.len())
                            }
                        }
                    });
                    if better {
                        best = Some(p);
                    }
                }
                Err(e) if (c, d) == (0, n) => first_err = Some(e),
                Err(_) => {}
            }
        }
        out.dependences.extend(deps);
        if let Some(e) = refused.or(first_err) {
            why_not.push(e);
        }
    }
    if best.is_none() {
        out.why_not = Some(if why_not.is_empty() {
            "no two consecutive RUN steps with known effects".into()
        } else {
            why_not.join("; ")
        });
    }
    out.proposal = best;
    out
}

/// Why `p` (found in `model`, built with `inputs`) would copy the wrong
/// paths in another build: the rewrite writes the paths the chains leave as
/// they resolve today, and a path named by a build argument (`ARG`, also
/// through an `ENV` that reads one, and the platform ARGs) changes with
/// `--build-arg` or `--platform`. The stage is analysed again with every
/// build argument set to a value of its own; `None` when the split and its
/// paths stay the same.
fn depends_on_build_args(
    model: &Model<'_>,
    inputs: &crate::model::BuildInputs,
    analysis: &StageAnalysis,
    p: &Proposal,
    extra: &[models::CommandModel],
    screen: Screen<'_>,
) -> Option<String> {
    let mut names: Vec<String> = crate::model::AUTOMATIC_ARGS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    for ii in 0..model.instructions.len() {
        let inst = model.instruction(ii);
        if inst.kind() == Kind::Arg {
            names.extend(
                crate::model::pairs(inst)
                    .iter()
                    .map(|kv| kv.key.text.clone()),
            );
        }
    }
    let mut other = inputs.clone();
    for n in names {
        other
            .build_args
            .insert(n.clone(), format!("rdock-{}-x", n.to_ascii_lowercase()));
    }
    let m2 = Model::new(model.text, &other);
    let a2 = analyze_stage_screened(&m2, analysis.stage, extra, screen);
    let same = a2.proposal.as_ref().is_some_and(|q| {
        q.segment == p.segment
            && q.split.len() == p.split.len()
            && q.split.iter().zip(&p.split).all(|(x, y)| {
                x.steps == y.steps && x.outputs == y.outputs && x.removes == y.removes
            })
    });
    (!same).then(|| {
        "the paths the chains leave are named by build arguments (ARG or the platform), which another build can change".to_string()
    })
}

/// The longest run of steps analysed together: a longer one is cut into
/// runs of this length, as if a barrier stood between them (never a wrong
/// split, at worst a missed one). Finding the dependences compares every
/// pair of steps, so an uncut run of 64,000 `RUN true` took minutes; no real
/// Dockerfile has a hundred RUN steps in a row.
const MAX_SEGMENT: usize = 128;

/// Segments longer than this are only tried whole (the windows grow with
/// the square of the length).
const MAX_WINDOWED_SEGMENT: usize = 24;

/// Dependences among the steps of a segment.
fn dependences(steps: &[Step], seg: &[usize]) -> Vec<Dependence> {
    let mut deps = Vec::new();
    for (a, &i) in seg.iter().enumerate() {
        for &j in seg.iter().skip(a + 1) {
            if let Some(reason) = conflict(&steps[i].effects, &steps[j].effects) {
                deps.push(Dependence {
                    from: i,
                    to: j,
                    reason,
                });
            }
        }
    }
    deps
}

/// The chains of the steps `sub`: the connected components of their dependences.
fn chains_in(
    model: &Model<'_>,
    steps: &[Step],
    sub: &[usize],
    deps: &[Dependence],
    root: Option<bool>,
) -> Vec<Chain> {
    // Only RUN steps form chains; the instructions they move past stay.
    let runs: Vec<usize> = sub
        .iter()
        .copied()
        .filter(|&i| model.instruction(steps[i].instruction).kind() == Kind::Run)
        .collect();
    let sub = runs.as_slice();
    let mut sets = petgraph::unionfind::UnionFind::<usize>::new(sub.len());
    let at = |i: usize| sub.iter().position(|&s| s == i);
    for d in deps {
        if let (Some(a), Some(b)) = (at(d.from), at(d.to)) {
            sets.union(a, b);
        }
    }
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (k, &s) in sub.iter().enumerate() {
        let r = sets.find(k);
        match groups.iter_mut().find(|g| g.0 == r) {
            Some(g) => g.1.push(s),
            None => groups.push((r, vec![s])),
        }
    }
    groups
        .into_iter()
        .map(|(_, members)| chain(model, steps, members, root))
        .collect()
}

/// Why step `b` (later) depends on step `a`, if it does. Any two steps that
/// touch the same path in any order but read-read depend on each other: a
/// split chain runs from the prefix, and a chain that stays in the final
/// stage runs after every `COPY --from`, so neither order may matter.
pub(crate) fn conflict(a: &Effects, b: &Effects) -> Option<String> {
    let hit = |xs: &[PathRef], ys: &[PathRef]| -> Option<(String, String)> {
        xs.iter().find_map(|x| {
            ys.iter()
                .find(|y| x.overlaps(y))
                .map(|y| (x.to_string(), y.to_string()))
        })
    };
    if let Some((w, r)) = hit(&a.writes, &b.reads) {
        return Some(format!("reads {r}, which the earlier step writes ({w})"));
    }
    // A package install stands apart (`effects::Install`): a later step
    // runs what it installs only when it names the program's package; any
    // other may move before it, with a caveat (`moved_past_install`). An
    // earlier step never runs after it: an install never splits off.
    match &a.install {
        Some(i) => {
            if let Some(p) = i.provided(program_names(b)) {
                return Some(format!(
                    "runs `{p}`, which the earlier step's {} may install",
                    i.describe()
                ));
            }
        }
        None => {
            if let Some((w, r)) = hit(&a.writes, &b.programs) {
                return Some(format!("runs {r}, which the earlier step writes ({w})"));
            }
        }
    }
    if b.install.is_none() {
        if let Some((r, w)) = hit(&a.programs, &b.writes).or_else(|| hit(&a.programs, &b.deletes)) {
            return Some(format!(
                "changes {w}, which the earlier step runs ({r}): it must run it unchanged"
            ));
        }
    }
    if let Some((r, w)) = hit(&a.reads, &b.writes) {
        return Some(format!(
            "writes {w}, which the earlier step reads ({r}): it must read it unchanged"
        ));
    }
    if let Some((w, w2)) = hit(&a.writes, &b.writes) {
        return Some(format!(
            "writes {w2}, which the earlier step also writes ({w}): the last writer would win"
        ));
    }
    if let Some((w, d)) = hit(&a.writes, &b.deletes) {
        return Some(format!("deletes {d}, which the earlier step writes ({w})"));
    }
    if let Some((d, x)) = hit(&a.deletes, &b.reads)
        .or_else(|| hit(&a.deletes, &b.writes))
        .or_else(|| hit(&a.deletes, &b.deletes))
    {
        return Some(format!("touches {x}, which the earlier step deletes ({d})"));
    }
    if let Some((r, d)) = hit(&a.reads, &b.deletes) {
        return Some(format!("deletes {d}, which the earlier step reads ({r})"));
    }
    // A folder one step needs and the other may create (or writes as a file).
    let makes =
        |x: &Effects, d: &String| x.creates.contains(d) || x.writes.iter().any(|w| w.path == *d);
    if let Some(d) = b.needs.iter().find(|d| makes(a, d)) {
        return Some(format!(
            "needs the folder {d}, which the earlier step may create"
        ));
    }
    if let Some(d) = a.needs.iter().find(|d| makes(b, d)) {
        return Some(format!(
            "may create the folder {d}, which the earlier step needs"
        ));
    }
    if let Some(c) = a.caches.iter().find(|c| b.caches.contains(c)) {
        return Some(format!(
            "shares the cache mount `{c}` with the earlier step, which may leave files there for it"
        ));
    }
    None
}

/// Files a step writes through the container runtime's mounts, or that are
/// symbolic links in common base images: a copy would not land where the
/// write did.
const RUNTIME_FILES: [&str; 3] = ["/etc/hosts", "/etc/resolv.conf", "/etc/hostname"];
const LINKS_IN_BASE_IMAGES: [&str; 4] = [
    "/etc/localtime",
    "/etc/mtab",
    "/etc/os-release",
    "/etc/alternatives",
];

fn chain(model: &Model<'_>, steps: &[Step], members: Vec<usize>, root: Option<bool>) -> Chain {
    let mut outputs: Vec<PathRef> = Vec::new();
    // Paths this chain wrote as files, and directories it made (fresh: they
    // did not exist before).
    let mut files: Vec<String> = Vec::new();
    let mut fresh_dirs: Vec<String> = Vec::new();
    let mut removes: Vec<PathRef> = Vec::new();
    let mut unsplittable: Option<String> = None;
    let refuse = |why: String, u: &mut Option<String>| {
        if u.is_none() {
            *u = Some(why);
        }
    };
    let mut cost = 0.0;
    let mut cpu = 0.0;
    let add = |outputs: &mut Vec<PathRef>, p: &PathRef| {
        if !outputs.iter().any(|o| o == p) {
            outputs.push(p.clone());
        }
    };
    for &i in &members {
        let fx = &steps[i].effects;
        cost += fx.cost;
        cpu += fx.cpu;
        if let Some(u) = fx.unsplittable.first() {
            refuse(u.clone(), &mut unsplittable);
        }
        if let Some(install) = &fx.install {
            refuse(
                format!(
                    "installs or removes packages ({}), which changes the package database every stage shares",
                    install.describe()
                ),
                &mut unsplittable,
            );
        }
        for ev in &fx.events {
            match ev {
                effects::Event::Write(w) => {
                    if RUNTIME_FILES.contains(&w.path.as_str()) {
                        refuse(
                            format!(
                                "writes {w}, which the container runtime mounts over during a RUN"
                            ),
                            &mut unsplittable,
                        );
                    }
                    if let Some(l) = LINKS_IN_BASE_IMAGES
                        .iter()
                        .find(|l| paths::is_within(&w.path, l))
                    {
                        refuse(
                            format!("writes {w}, and {l} is a symbolic link in common base images: COPY --from would replace it"),
                            &mut unsplittable,
                        );
                    }
                    if !w.tree {
                        files.push(w.path.clone());
                    }
                    add(&mut outputs, w);
                }
                effects::Event::MakeDir { path, plain, fresh } => {
                    if !plain {
                        refuse(
                            format!("makes {path} with a mode or owner of its own, which COPY --from does not carry for a directory"),
                            &mut unsplittable,
                        );
                    }
                    match root {
                        Some(true) => {}
                        Some(false) => refuse(
                            format!("makes the directory {path} as a user other than root, and COPY --from makes the directories it creates root's"),
                            &mut unsplittable,
                        ),
                        None => refuse(
                            format!("makes the directory {path} as the base image's user, which rdock cannot see (COPY --from makes directories root's); a `USER root` before the steps settles it"),
                            &mut unsplittable,
                        ),
                    }
                    if *fresh {
                        fresh_dirs.push(path.path.clone());
                    }
                    add(&mut outputs, path);
                }
                effects::Event::Meta(p) => {
                    if p.tree || !files.contains(&p.path) {
                        refuse(
                            format!("changes the mode or owner of {p}, which it did not write as a file: COPY --from does not carry a directory's own mode and owner"),
                            &mut unsplittable,
                        );
                    }
                    add(&mut outputs, &PathRef::new(p.path.clone(), p.tree));
                }
                effects::Event::Link { path, hard, .. } => {
                    refuse(
                        if *hard {
                            format!("makes a hard link ({path}), which COPY --from of each name would split")
                        } else {
                            format!("makes a symbolic link ({path}), which COPY --from follows instead of copying")
                        },
                        &mut unsplittable,
                    );
                    add(&mut outputs, path);
                }
                effects::Event::Delete(d) => {
                    // COPY --from cannot carry a deletion: the final stage
                    // repeats it (`RUN rm -rf`) before the copies, unless the
                    // path lies in a directory this chain made from nothing.
                    let made = fresh_dirs
                        .iter()
                        .any(|f| d.path != *f && paths::is_within(&d.path, f));
                    if !made && !removes.iter().any(|r: &PathRef| d.covered_by(r)) {
                        removes.retain(|r| !r.covered_by(d));
                        removes.push(PathRef::new(d.path.clone(), false));
                    }
                    outputs.retain(|o| !o.covered_by(d));
                    files.retain(|f| !paths::is_within(f, &d.path));
                }
            }
        }
    }
    // Keep only the outermost paths: copying a directory copies what is in it.
    let all = outputs.clone();
    outputs.retain(|o| {
        !all.iter()
            .any(|p| p.path != o.path && paths::is_within(&o.path, &p.path))
    });
    outputs.sort();
    if unsplittable.is_none() {
        if outputs.is_empty() && removes.is_empty() {
            unsplittable = Some("leaves no files behind".into());
        } else if let Some(o) = outputs
            .iter()
            .find(|o| o.path == "/" || (o.tree && paths::depth(&o.path) < 2))
        {
            unsplittable = Some(format!("writes all of {}: too broad to copy", o.path));
        } else if let Some(o) = outputs
            .iter()
            .find(|o| paths::depth(&o.path) < 2 && !files.contains(&o.path))
        {
            unsplittable = Some(format!(
                "writes the top-level directory {}, which may be a symbolic link in the base image",
                o.path
            ));
        } else if let Some(o) = removes.iter().find(|o| paths::depth(&o.path) < 2) {
            unsplittable = Some(format!("deletes the top-level {o}"));
        } else if let Some(o) = outputs
            .iter()
            .chain(&removes)
            .find(|o| o.path.contains(['$', '*', '?', '[', '\\', '\n', '\'']))
        {
            unsplittable = Some(format!(
                "writes {o}, whose name COPY would read as a pattern or a variable"
            ));
        }
    }
    let name = chain_name(model, steps, &members, &outputs);
    let files_only = outputs.iter().all(|o| !o.tree && files.contains(&o.path));
    Chain {
        steps: members,
        outputs,
        removes,
        cost,
        cpu,
        unsplittable,
        name,
        files_only,
    }
}

/// A stage name from what the chain does: `task1` for `task1.log`,
/// `fetch-node` for a download, `build-app` for a build.
fn chain_name(model: &Model<'_>, steps: &[Step], members: &[usize], outputs: &[PathRef]) -> String {
    let stem = outputs
        .first()
        .map(|o| {
            let last = o.path.rsplit('/').next().unwrap_or("");
            let stem = last.split('.').next().unwrap_or(last);
            if stem.is_empty() {
                last.to_string()
            } else {
                stem.to_string()
            }
        })
        .unwrap_or_default();
    let first = members
        .first()
        .map(|&i| model.instruction(steps[i].instruction).args_text.clone())
        .unwrap_or_default();
    let words: Vec<&str> = first.split_whitespace().collect();
    let verb = if words.iter().any(|w| matches!(*w, "curl" | "wget")) {
        Some("fetch")
    } else if words.windows(2).any(|w| w[0] == "git" && w[1] == "clone") {
        Some("clone")
    } else if words
        .iter()
        .any(|w| matches!(*w, "make" | "go" | "npm" | "cargo" | "cc" | "gcc"))
    {
        Some("build")
    } else {
        None
    };
    let base = match verb {
        Some(v) if !stem.is_empty() => format!("{v}-{stem}"),
        Some(v) => v.to_string(),
        None => stem,
    };
    sanitize(&base)
}

/// A valid stage name (`^[a-z][a-z0-9-_.]*$`).
pub fn sanitize(s: &str) -> String {
    let mut out: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while out.ends_with(['-', '.', '_']) {
        out.pop();
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("step-{out}");
    }
    out.trim_end_matches('-').to_string()
}

/// How many cores the build machine has, for the estimates: `RDOCK_BUILD_CORES`,
/// else this machine's.
pub fn build_cores() -> f64 {
    std::env::var("RDOCK_BUILD_CORES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64))
}

/// The estimated time of chains run at once on `cores` cores: the longest
/// chain, or the busy work shared out over the cores, whichever is longer.
pub fn parallel_estimate(chains: &[(f64, f64)], cores: f64) -> f64 {
    let longest = chains.iter().map(|c| c.0).fold(0.0, f64::max);
    let busy: f64 = chains.iter().map(|c| c.1).sum();
    longest.max(busy / cores.max(1.0))
}

fn propose(
    model: &Model<'_>,
    steps: &[Step],
    seg: &[usize],
    chains: &[Chain],
) -> Result<Proposal, String> {
    // ONBUILD triggers declared before the steps would run again in every new stage.
    let first_ii = steps[seg[0]].instruction;
    if model.stages[model.instructions[first_ii].stage.unwrap_or(0)]
        .body
        .iter()
        .any(|&i| i < first_ii && model.instruction(i).kind() == Kind::Onbuild)
    {
        return Err(
            "an ONBUILD trigger declared before the steps would run again in every new stage"
                .into(),
        );
    }
    let ours: Vec<&Chain> = chains
        .iter()
        .filter(|c| c.steps.iter().all(|s| seg.contains(s)))
        .collect();
    let (split, stay): (Vec<&Chain>, Vec<&Chain>) = ours
        .iter()
        .partition(|c| c.unsplittable.is_none() && c.cost >= MIN_CHAIN_SECONDS);
    if split.len() < 2 {
        let reasons: Vec<String> = ours
            .iter()
            .filter_map(|c| c.unsplittable.as_ref().map(|u| format!("`{}` {u}", c.name)))
            .collect();
        return Err(if ours.len() < 2 {
            "its RUN steps depend on each other".into()
        } else if !reasons.is_empty() {
            reasons.join("; ")
        } else {
            "fewer than two independent chains carry real work".into()
        });
    }
    let serial: f64 = seg.iter().map(|&i| steps[i].effects.cost).sum();
    let stay_cost: f64 = stay.iter().map(|c| c.cost).sum();
    let work: Vec<(f64, f64)> = split.iter().map(|c| (c.cost, c.cpu)).collect();
    let parallel = parallel_estimate(&work, build_cores()) + stay_cost;
    if serial - parallel < MIN_GAIN_SECONDS {
        return Err(format!(
            "the estimated gain is too small ({serial:.1}s serial, {parallel:.1}s parallel on {} cores)",
            build_cores()
        ));
    }
    // The steps that stay, with the instructions the chains moved past.
    let mut stay_steps: Vec<usize> = stay
        .iter()
        .flat_map(|c| c.steps.iter().copied())
        .chain(
            seg.iter()
                .copied()
                .filter(|&i| model.instruction(steps[i].instruction).kind() != Kind::Run),
        )
        .collect();
    stay_steps.sort_unstable();
    let caveat = moved_past_install(steps, &split, &stay_steps);
    Ok(Proposal {
        segment: seg.to_vec(),
        split: split.into_iter().cloned().collect(),
        stay: stay_steps,
        serial_seconds: serial,
        parallel_seconds: parallel,
        moves_past_install: caveat.is_some(),
        caveat,
        handovers: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_bound_chains_share_the_cores() {
        // Three 10 s chains that only wait (sleep, downloads): 10 s on any machine.
        assert_eq!(parallel_estimate(&[(10.0, 0.0); 3], 2.0), 10.0);
        // Three that keep a core busy: their 30 s of work over 2 cores.
        assert_eq!(parallel_estimate(&[(10.0, 10.0); 3], 2.0), 15.0);
        assert_eq!(parallel_estimate(&[(10.0, 10.0); 3], 4.0), 10.0);
        assert_eq!(parallel_estimate(&[(10.0, 10.0); 3], 0.0), 30.0);
    }
}
