//! The parallelizer: which RUN steps of a stage are independent, and the
//! rewrite of a serial stage into parallel stages joined with `COPY --from`.
//!
//! BuildKit builds stages concurrently but runs the steps of one stage one
//! after another. A stage whose RUN steps form independent chains (no chain
//! reads or writes what another writes) is rewritten as: a prefix stage with
//! everything before the steps, one stage per chain built `FROM` the prefix,
//! and the original stage rebuilt `FROM` the prefix with the chains' outputs
//! copied in, in the original order, followed by the rest of the stage.

pub mod effects;
pub mod models;
pub mod paths;
mod rewrite;

use petgraph::graph::UnGraph;

use crate::model::Model;
use crate::syntax::Kind;
pub use effects::Effects;
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
    pub cost: f64,
    /// Why it cannot become a stage of its own (it then stays in the final stage).
    pub unsplittable: Option<String>,
    pub name: String,
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
    /// Why the rewrite may change the image (empty: it is safe).
    pub unsafe_reasons: Vec<String>,
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

pub fn analyze_stage(
    model: &Model<'_>,
    stage: usize,
    extra: &[models::CommandModel],
) -> StageAnalysis {
    let steps: Vec<Step> = model.stages[stage]
        .body
        .iter()
        .map(|&ii| {
            let inst = model.instruction(ii);
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
            let fx = effects::run_effects(model, ii, extra);
            Step {
                instruction: ii,
                barrier: fx.opaque.clone(),
                effects: fx,
            }
        })
        .collect();
    let mut out = StageAnalysis {
        stage,
        steps,
        dependences: Vec::new(),
        chains: Vec::new(),
        proposal: None,
        why_not: None,
    };
    // Segments: maximal runs of consecutive RUN steps with known effects.
    let mut segments: Vec<Vec<usize>> = Vec::new();
    let mut cur = Vec::new();
    for (i, s) in out.steps.iter().enumerate() {
        if s.barrier.is_none() {
            cur.push(i);
        } else if !cur.is_empty() {
            segments.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        segments.push(cur);
    }
    let mut best: Option<Proposal> = None;
    let mut why_not = Vec::new();
    for seg in segments.iter().filter(|s| s.len() >= 2) {
        let (deps, chains) = chains_of(model, &out.steps, seg);
        out.dependences.extend(deps);
        let proposal = propose(model, &out.steps, seg, &chains);
        out.chains.extend(chains);
        match proposal {
            Ok(p) => {
                let gain = p.serial_seconds - p.parallel_seconds;
                if best
                    .as_ref()
                    .is_none_or(|b| gain > b.serial_seconds - b.parallel_seconds)
                {
                    best = Some(p);
                }
            }
            Err(e) => why_not.push(e),
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

/// Dependences among the steps of a segment, and its chains (connected components).
fn chains_of(model: &Model<'_>, steps: &[Step], seg: &[usize]) -> (Vec<Dependence>, Vec<Chain>) {
    let mut deps = Vec::new();
    let mut g = UnGraph::<usize, ()>::new_undirected();
    let nodes: Vec<_> = seg.iter().map(|&i| g.add_node(i)).collect();
    for (a, &i) in seg.iter().enumerate() {
        for (b, &j) in seg.iter().enumerate().skip(a + 1) {
            if let Some(reason) = conflict(&steps[i].effects, &steps[j].effects) {
                g.add_edge(nodes[a], nodes[b], ());
                deps.push(Dependence {
                    from: i,
                    to: j,
                    reason,
                });
            }
        }
    }
    let mut comp = vec![usize::MAX; seg.len()];
    let mut chains: Vec<Vec<usize>> = Vec::new();
    for start in 0..seg.len() {
        if comp[start] != usize::MAX {
            continue;
        }
        let id = chains.len();
        let mut members = Vec::new();
        let mut dfs = petgraph::visit::Dfs::new(&g, nodes[start]);
        while let Some(n) = dfs.next(&g) {
            let k = n.index();
            comp[k] = id;
            members.push(seg[k]);
        }
        members.sort_unstable();
        chains.push(members);
    }
    let chains = chains
        .into_iter()
        .map(|members| chain(model, steps, members))
        .collect();
    (deps, chains)
}

/// Why step `b` (later) depends on step `a`, if it does. Reading what an
/// earlier step only read is no dependence; two parallel stages each see the
/// prefix, so a later write to what an earlier step read is none either.
fn conflict(a: &Effects, b: &Effects) -> Option<String> {
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
    if let Some((w, w2)) = hit(&a.writes, &b.writes) {
        return Some(format!(
            "writes {w2}, which the earlier step also writes ({w}): the last writer would win"
        ));
    }
    if let Some((w, d)) = hit(&a.writes, &b.deletes) {
        return Some(format!("deletes {d}, which the earlier step writes ({w})"));
    }
    if let Some((d, x)) = hit(&a.deletes, &b.reads).or_else(|| hit(&a.deletes, &b.writes)) {
        return Some(format!("touches {x}, which the earlier step deletes ({d})"));
    }
    if let Some((r, d)) = hit(&a.reads, &b.deletes) {
        return Some(format!("deletes {d}, which the earlier step reads ({r})"));
    }
    None
}

fn chain(model: &Model<'_>, steps: &[Step], members: Vec<usize>) -> Chain {
    let mut outputs: Vec<PathRef> = Vec::new();
    let mut unsplittable = None;
    let mut cost = 0.0;
    for &i in &members {
        let fx = &steps[i].effects;
        cost += fx.cost;
        for ev in &fx.events {
            match ev {
                effects::Event::Write(w) => {
                    if !outputs
                        .iter()
                        .any(|o| o == w || (o.tree && w.covered_by(o)))
                    {
                        outputs.push(w.clone());
                    }
                }
                effects::Event::Delete(d) => {
                    let created = outputs.iter().any(|o| d.covered_by(o));
                    if !created && unsplittable.is_none() {
                        unsplittable = Some(format!(
                            "deletes {d}, which it did not create: COPY --from cannot carry a deletion"
                        ));
                    }
                    outputs.retain(|o| !o.covered_by(d));
                }
            }
        }
    }
    // Keep only the outermost paths.
    let all = outputs.clone();
    outputs.retain(|o| {
        !all.iter()
            .any(|p| p.path != o.path && paths::is_within(&o.path, &p.path))
    });
    outputs.sort();
    if unsplittable.is_none() {
        if outputs.is_empty() {
            unsplittable = Some("leaves no files behind".into());
        } else if let Some(o) = outputs
            .iter()
            .find(|o| o.path == "/" || (o.tree && paths::depth(&o.path) < 2))
        {
            unsplittable = Some(format!("writes all of {}: too broad to copy", o.path));
        }
    }
    let name = chain_name(model, steps, &members, &outputs);
    Chain {
        steps: members,
        outputs,
        cost,
        unsplittable,
        name,
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

fn propose(
    model: &Model<'_>,
    steps: &[Step],
    seg: &[usize],
    chains: &[Chain],
) -> Result<Proposal, String> {
    let first = model.instruction(steps[seg[0]].instruction);
    let _ = first;
    let user = effects::user_at(model, steps[seg[0]].instruction);
    if !matches!(user.as_str(), "root" | "0" | "0:0" | "root:root") {
        return Err(format!(
            "the steps run as `{user}`: directories COPY --from creates for their files would belong to root"
        ));
    }
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
    let parallel = split.iter().map(|c| c.cost).fold(0.0, f64::max) + stay_cost;
    if serial - parallel < MIN_GAIN_SECONDS {
        return Err(format!(
            "the estimated gain is too small ({serial:.1}s serial, {parallel:.1}s parallel)"
        ));
    }
    let mut unsafe_reasons = Vec::new();
    for c in &split {
        if let Some(o) = c.outputs.iter().find(|o| o.tree) {
            unsafe_reasons.push(format!(
                "`{}` leaves a directory tree ({o}) that COPY --from recreates: modes and owners of directories it creates may differ",
                c.name
            ));
        }
        for &s in &c.steps {
            let text = &model.instruction(steps[s].instruction).args_text;
            if text.contains("chmod")
                || text.contains("chown")
                || text.contains("mkdir -m")
                || text.contains("--mode")
            {
                unsafe_reasons.push(format!(
                    "`{}` sets modes or owners, which COPY --from may not carry for directories",
                    c.name
                ));
                break;
            }
        }
    }
    let mut stay_steps: Vec<usize> = stay.iter().flat_map(|c| c.steps.iter().copied()).collect();
    stay_steps.sort_unstable();
    Ok(Proposal {
        segment: seg.to_vec(),
        split: split.into_iter().cloned().collect(),
        stay: stay_steps,
        serial_seconds: serial,
        parallel_seconds: parallel,
        unsafe_reasons,
    })
}
