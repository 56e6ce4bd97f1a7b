//! `rdock trace`: build a Dockerfile with the embedded engine and show, for
//! each RUN step, what it wrote and deleted (read from the layer it left),
//! its time, and where rdock's effect model of the step
//! (`rules/commands/*.toml`, the coreutils models, `[[command]]` in
//! `.rdock.toml`) says less than what happened.
//!
//! What a step read (fanotify on its overlay; `exec/embedded/reads.rs`)
//! is held to the models across steps: when a step read a path that an
//! earlier step of its stage wrote, rdock's models of the two steps must
//! make the later depend on the earlier, or a split could move them apart.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::build::{Build, BuildFlags};
use super::{fail, Exit};
use crate::exec::{BuildRequest, StepTrace, Written};
use crate::model::Model;
use crate::parallel::effects::{run_effects, Effects, Event};
use crate::parallel::paths::{is_within, PathRef};

#[derive(Debug, Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub build: BuildFlags,
    /// Write to OUT the file with the splits this trace shows are possible
    /// where rdock's models cannot prove them: an unsafe rewrite, resting
    /// on one build; check it with `rdock verify FILE --against OUT`.
    #[arg(long, value_name = "OUT")]
    pub propose: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    pub output_format: TraceFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TraceFormat {
    Text,
    Json,
}

/// One traced step against rdock's model of it.
struct Checked {
    trace: StepTrace,
    /// Why rdock has no model of the step (then nothing is compared).
    opaque: Option<String>,
    /// What the step wrote and deleted that the model does not say it may.
    unmodelled_writes: Vec<String>,
    unmodelled_deletes: Vec<String>,
    /// What the step read that an earlier step of its stage wrote, where
    /// the models of the two steps see no dependence: `PATH (step)`.
    unmodelled_reads: Vec<String>,
    effects: Option<Effects>,
}

impl Checked {
    fn says_less(&self) -> bool {
        !self.unmodelled_writes.is_empty()
            || !self.unmodelled_deletes.is_empty()
            || !self.unmodelled_reads.is_empty()
    }
}

/// Exit 0 when the model of every traced step covers what it did, 1 when
/// some model says less than the trace, 2 when the build could not be made.
pub fn run(args: TraceArgs) -> Exit {
    trace(args).unwrap_or_else(|code| code)
}

fn trace(args: TraceArgs) -> Result<Exit, Exit> {
    let Build {
        text,
        build_args,
        settings,
        context,
    } = args.build.read()?;
    let engine = super::engine_or_exit(super::verify::embedded_engine(
        &args.build.image,
        args.build.jobs,
        &[],
    ))?;
    let work = super::temp_dir("rdock-trace-")?;
    let req = BuildRequest {
        dockerfile: args.build.dockerfile.clone(),
        context,
        target: args.build.target.clone(),
        build_args,
        network: args.build.network.clone(),
        no_cache: true,
        source_date_epoch: 0,
        rootfs_tar: work.path().join("rootfs.tar"),
        tag: String::new(),
        contexts: Vec::new(),
        trace: true,
    };
    let output = match engine.build(&req, &mut |_| {}) {
        Ok(o) => o,
        Err(e) => {
            super::print_error(&e, false);
            return Err(Exit::Error);
        }
    };
    let model = Model::new(&text, &settings.build.inputs);
    let mut traces = output.traces;
    traces.sort_by_key(|t| t.instruction);
    let mut checked: Vec<Checked> = traces
        .into_iter()
        .map(|t| {
            let fx = t
                .instruction
                .map(|ii| run_effects(&model, ii, &settings.build.commands));
            check(t, fx)
        })
        .collect();
    check_reads(&mut checked);
    let proposals = match &args.propose {
        Some(out) => {
            let (proposals, text) = propose(&model, &checked, &settings.build.commands);
            if let Err(e) = std::fs::write(out, text) {
                return Err(fail(
                    format!("cannot write `{}`: {e}", out.display()),
                    "choose a writable path for --propose",
                ));
            }
            Some(proposals)
        }
        None => None,
    };
    let out = match args.output_format {
        TraceFormat::Text => text_report(&checked, proposals.as_deref(), &args),
        TraceFormat::Json => json_report(&checked, proposals.as_deref()),
    };
    print!("{out}");
    Ok(if checked.iter().any(Checked::says_less) {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// Compare what the step did with what rdock's model says it may do.
fn check(trace: StepTrace, fx: Option<Effects>) -> Checked {
    let Some(fx) = fx else {
        return Checked {
            trace,
            opaque: Some("an ONBUILD trigger (not in this file)".into()),
            unmodelled_writes: Vec::new(),
            unmodelled_deletes: Vec::new(),
            unmodelled_reads: Vec::new(),
            effects: None,
        };
    };
    if let Some(why) = fx.opaque.clone() {
        return Checked {
            trace,
            opaque: Some(why),
            unmodelled_writes: Vec::new(),
            unmodelled_deletes: Vec::new(),
            unmodelled_reads: Vec::new(),
            effects: None,
        };
    }
    let covers = |p: &PathRef, path: &str| path == p.path || (p.tree && is_within(path, &p.path));
    // What the model says the step may change: its writes, the folders it
    // makes (with their parents), its links and metadata changes; a
    // deletion may also be a write of the folder the entry was in.
    let may_write = |path: &str| {
        fx.writes.iter().any(|w| covers(w, path))
            || fx.creates.iter().any(|c| c == path)
            || fx.events.iter().any(|e| match e {
                crate::parallel::effects::Event::Write(p)
                | crate::parallel::effects::Event::Meta(p) => covers(p, path),
                crate::parallel::effects::Event::MakeDir { path: p, .. } => covers(p, path),
                // A hard link changes both names (their link count).
                crate::parallel::effects::Event::Link {
                    path: p,
                    target,
                    hard,
                } => covers(p, path) || (*hard && target.as_deref() == Some(path)),
                crate::parallel::effects::Event::Delete(_) => false,
            })
    };
    let may_delete = |path: &str| {
        fx.deletes.iter().any(|d| covers(d, path))
            // `mv a b` and writes that replace a folder delete what was there.
            || fx.writes.iter().any(|w| covers(w, path))
    };
    let beyond = |paths: &[String], may: &dyn Fn(&str) -> bool| {
        paths.iter().filter(|p| !may(p)).cloned().collect()
    };
    Checked {
        opaque: None,
        unmodelled_writes: beyond(&trace.wrote, &may_write),
        unmodelled_deletes: beyond(&trace.deleted, &may_delete),
        trace,
        unmodelled_reads: Vec::new(),
        effects: Some(fx),
    }
}

/// Hold the models to the flows the trace shows: a step that read what an
/// earlier step of the same stage wrote (the file, or a folder the earlier
/// step wrote into) depends on it, and rdock's models must keep the two in
/// order. They do when a step without a model (a barrier) lies between
/// them, or when the two are joined by a path of conflicting steps (a
/// split keeps such steps in one chain, in their order).
fn check_reads(checked: &mut [Checked]) {
    let n = checked.len();
    let mut joined = petgraph::unionfind::UnionFind::<usize>::new(n);
    for b in 0..n {
        for a in 0..b {
            let same = checked[a].trace.stage == checked[b].trace.stage;
            if let (true, Some(x), Some(y)) = (same, &checked[a].effects, &checked[b].effects) {
                if crate::parallel::conflict(x, y).is_some() {
                    joined.union(a, b);
                }
            }
        }
    }
    for j in 0..n {
        if checked[j].effects.is_none() {
            continue;
        }
        let stage = &checked[j].trace.stage;
        let mut found = Vec::new();
        for read in &checked[j].trace.read {
            let writer = (0..j).rev().find(|&i| {
                checked[i].trace.stage == *stage
                    && checked[i]
                        .trace
                        .wrote
                        .iter()
                        .any(|w| is_within(w, read) || is_within(read, w))
            });
            let Some(i) = writer else { continue };
            let barrier =
                (i..j).any(|k| checked[k].trace.stage == *stage && checked[k].effects.is_none());
            if !barrier && !joined.equiv(i, j) {
                found.push(format!("{read} ({})", checked[i].trace.step));
            }
        }
        checked[j].unmodelled_reads = found;
    }
}

/// A split of one stage that `--propose` wrote.
struct Proposed {
    stage: String,
    chains: Vec<(String, f64)>,
    serial: f64,
    parallel: f64,
    /// Why it is unsafe; `None` when rdock's models prove it without the
    /// trace (RD501 offers it too).
    caveat: Option<String>,
}

/// The steps rdock has no model of, as the trace saw them; the splits of
/// each stage with them; the file with every split applied.
fn propose(
    model: &Model<'_>,
    checked: &[Checked],
    extra: &[crate::parallel::models::CommandModel],
) -> (Vec<Proposed>, String) {
    let evidence: crate::parallel::Evidence = checked
        .iter()
        .filter(|c| c.opaque.is_some())
        .filter_map(|c| Some((c.trace.instruction?, traced_effects(&c.trace))))
        .collect();
    let mut reserved = Vec::new();
    let mut fixes = Vec::new();
    let mut proposed = Vec::new();
    for s in 0..model.stages.len() {
        if !model.stages[s]
            .body
            .iter()
            .any(|ii| evidence.contains_key(ii))
        {
            continue;
        }
        let a = crate::parallel::analyze_stage_traced(model, s, extra, &evidence);
        let Some(p) = &a.proposal else { continue };
        let Some(fix) = crate::parallel::rewrite(model, &a, p, &mut reserved) else {
            continue;
        };
        fixes.push(fix);
        proposed.push(Proposed {
            stage: model.stages[s]
                .name
                .as_ref()
                .map_or_else(|| format!("#{s}"), |n| n.text.clone()),
            chains: p.split.iter().map(|c| (c.name.clone(), c.cost)).collect(),
            serial: p.serial_seconds,
            parallel: p.parallel_seconds,
            caveat: p.caveat.clone(),
        });
    }
    let (text, _) = crate::fix::apply_fixes(model.text, fixes.iter());
    (proposed, text)
}

/// What the trace saw a step do, as the effects the parallelizer reads:
/// the files it read, what it left at each path it wrote, what it deleted,
/// and its measured time.
fn traced_effects(t: &StepTrace) -> Effects {
    let mut fx = Effects {
        reads: t
            .read
            .iter()
            .map(|r| PathRef::new(r.clone(), false))
            .collect(),
        ..Effects::default()
    };
    for d in &t.deleted {
        let d = PathRef::new(d.clone(), false);
        fx.deletes.push(d.clone());
        fx.events.push(Event::Delete(d));
    }
    for (p, w) in &t.written {
        let path = PathRef::new(p.clone(), false);
        fx.writes.push(path.clone());
        fx.events.push(match *w {
            Written::File => Event::Write(path),
            Written::HardLink => Event::Link {
                path,
                target: None,
                hard: true,
            },
            Written::Symlink => Event::Link {
                path,
                target: None,
                hard: false,
            },
            Written::Dir { plain } => {
                fx.creates.push(p.clone());
                Event::MakeDir {
                    path,
                    plain,
                    fresh: true,
                }
            }
            Written::DirMeta => Event::Meta(path),
        });
    }
    fx.cost = t.seconds.max(0.01);
    // Unknown how much of it kept a core busy: count all of it, which
    // never overstates the gain on a machine with few cores.
    fx.cpu = fx.cost;
    fx.notes.push("what a trace of this build saw it do".into());
    fx
}

fn list(paths: &[String]) -> String {
    if paths.is_empty() {
        "-".into()
    } else {
        paths.join(", ")
    }
}

fn text_report(checked: &[Checked], proposals: Option<&[Proposed]>, args: &TraceArgs) -> String {
    let mut o = String::new();
    for c in checked {
        let t = &c.trace;
        let _ = writeln!(o, "{} ({:.2} s)", t.step, t.seconds);
        let _ = writeln!(o, "  read:    {}", list(&t.read));
        let _ = writeln!(o, "  wrote:   {}", list(&t.wrote));
        let _ = writeln!(o, "  deleted: {}", list(&t.deleted));
        let model = match &c.opaque {
            Some(why) => format!("none: {why}"),
            None if !c.says_less() => "covers what the step did".into(),
            None => {
                let mut parts = Vec::new();
                if !c.unmodelled_writes.is_empty() {
                    parts.push(format!(
                        "does not say it writes {}",
                        c.unmodelled_writes.join(", ")
                    ));
                }
                if !c.unmodelled_deletes.is_empty() {
                    parts.push(format!(
                        "does not say it deletes {}",
                        c.unmodelled_deletes.join(", ")
                    ));
                }
                if !c.unmodelled_reads.is_empty() {
                    parts.push(format!(
                        "sees no dependence on the earlier step that wrote what it read: {}",
                        c.unmodelled_reads.join(", ")
                    ));
                }
                format!("SAYS LESS: {}", parts.join("; "))
            }
        };
        let _ = writeln!(o, "  model:   {model}");
    }
    let less = checked.iter().filter(|c| c.says_less()).count();
    let opaque = checked.iter().filter(|c| c.opaque.is_some()).count();
    let _ = writeln!(
        o,
        "{} RUN step{} traced: the model covers {}, says less for {less}, has none for {opaque}.",
        checked.len(),
        if checked.len() == 1 { "" } else { "s" },
        checked.len() - less - opaque
    );
    if let (Some(ps), Some(out)) = (proposals, &args.propose) {
        if ps.is_empty() {
            let _ = writeln!(
                o,
                "No split, even with what the trace saw; {} is the file unchanged.",
                out.display()
            );
        }
        for p in ps {
            let chains: Vec<String> = p
                .chains
                .iter()
                .map(|(n, c)| format!("{n} ~{c:.1}s"))
                .collect();
            let _ = writeln!(
                o,
                "Split of stage `{}` into parallel stages ({}): estimated {:.1}s -> {:.1}s.",
                p.stage,
                chains.join(", "),
                p.serial,
                p.parallel
            );
            match &p.caveat {
                Some(c) => {
                    let _ = writeln!(o, "  unsafe: {c}");
                }
                None => {
                    let _ = writeln!(
                        o,
                        "  rdock's models prove it without the trace (RD501 offers it too)"
                    );
                }
            }
        }
        if !ps.is_empty() {
            let _ = writeln!(
                o,
                "Written to {}; check it: rdock verify {} --against {}",
                out.display(),
                args.build.dockerfile.display(),
                out.display()
            );
        }
    }
    o
}

fn json_report(checked: &[Checked], proposals: Option<&[Proposed]>) -> String {
    let steps: Vec<serde_json::Value> = checked
        .iter()
        .map(|c| {
            json!({
                "stage": c.trace.stage,
                "step": c.trace.step,
                "seconds": c.trace.seconds,
                "read": c.trace.read,
                "wrote": c.trace.wrote,
                "deleted": c.trace.deleted,
                "model": {
                    "opaque": c.opaque,
                    "unmodelled_writes": c.unmodelled_writes,
                    "unmodelled_deletes": c.unmodelled_deletes,
                    "unmodelled_reads": c.unmodelled_reads,
                },
            })
        })
        .collect();
    let mut doc = json!({ "steps": steps });
    if let Some(ps) = proposals {
        doc["proposals"] = ps
            .iter()
            .map(|p| {
                json!({
                    "stage": p.stage,
                    "chains": p.chains.iter().map(|(n, c)| json!({"name": n, "seconds": c})).collect::<Vec<_>>(),
                    "serial_seconds": p.serial,
                    "parallel_seconds": p.parallel,
                    "unsafe": p.caveat,
                })
            })
            .collect();
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BuildInputs;

    /// The traced steps of `text` (one RUN per line after FROM), with what
    /// each read and wrote as given.
    fn traced(text: &str, io: &[(&[&str], &[&str])]) -> Vec<Checked> {
        let model = Model::new(text, &BuildInputs::default());
        let runs: Vec<usize> = (0..model.instructions.len())
            .filter(|&ii| model.instruction(ii).kind() == crate::syntax::Kind::Run)
            .collect();
        let mut checked: Vec<Checked> = runs
            .iter()
            .zip(io)
            .map(|(&ii, (read, wrote))| {
                let t = StepTrace {
                    stage: "s".into(),
                    instruction: Some(ii),
                    step: format!("step {ii}"),
                    read: read.iter().map(|s| s.to_string()).collect(),
                    wrote: wrote.iter().map(|s| s.to_string()).collect(),
                    ..Default::default()
                };
                check(t, Some(run_effects(&model, ii, &[])))
            })
            .collect();
        check_reads(&mut checked);
        checked
    }

    #[test]
    fn a_read_of_an_earlier_write_must_be_a_dependence_the_models_see() {
        // `touch /b` has a model that reads nothing, yet the trace says it
        // read /a (as a wrapper script might): the models would split them.
        let c = traced(
            "FROM x\nRUN echo 1 > /a\nRUN touch /b\n",
            &[(&[], &["/a"]), (&["/a"], &["/b"])],
        );
        assert_eq!(c[1].unmodelled_reads, ["/a (step 1)"]);
        assert!(c[1].says_less());
        // The models see it: `cat /a` reads /a.
        let c = traced(
            "FROM x\nRUN echo 1 > /a\nRUN cat /a > /b\n",
            &[(&[], &["/a"]), (&["/a"], &["/b"])],
        );
        assert!(c[1].unmodelled_reads.is_empty());
        // A listing of a folder the earlier step wrote into.
        let c = traced(
            "FROM x\nRUN mkdir -p /d && echo 1 > /d/f\nRUN touch /b\n",
            &[(&[], &["/d", "/d/f"]), (&["/d"], &["/b"])],
        );
        assert_eq!(c[1].unmodelled_reads, ["/d (step 1)"]);
    }

    #[test]
    fn steps_kept_in_order_by_a_chain_or_a_barrier_are_not_reported() {
        // Step 3 reads step 1's /a; the models join 1-2 (/a) and 2-3 (/c):
        // one chain, kept in order.
        let c = traced(
            "FROM x\nRUN echo 1 > /a\nRUN cat /a > /c\nRUN cat /c > /d\n",
            &[(&[], &["/a"]), (&["/a"], &["/c"]), (&["/a", "/c"], &["/d"])],
        );
        assert!(
            c[2].unmodelled_reads.is_empty(),
            "{:?}",
            c[2].unmodelled_reads
        );
        // A step rdock has no model of lies between: a barrier.
        let c = traced(
            "FROM x\nRUN echo 1 > /a\nRUN some-tool\nRUN touch /b\n",
            &[(&[], &["/a"]), (&[], &[]), (&["/a"], &["/b"])],
        );
        assert!(c[1].opaque.is_some());
        assert!(c[2].unmodelled_reads.is_empty());
    }
}
