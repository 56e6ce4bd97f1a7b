//! `rdock explain-deps`: the dependence graph of each stage's steps.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Exit;
use crate::input;
use crate::model::Model;
use crate::parallel::{self, StageAnalysis};
use crate::settings::Settings;
use crate::unlock::{self, Unlock};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The Dockerfile (`-` for standard input).
    pub file: PathBuf,
    /// Text for people, DOT for graphviz (`| dot -Tsvg`).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// A build argument (`KEY=VALUE`, or `KEY` to take it from the environment).
    #[arg(long, value_name = "KEY=VALUE")]
    pub build_arg: Vec<String>,
    /// Ignore `.rdock.toml` (its `[[command]]` models and build args).
    #[arg(long)]
    pub no_config: bool,
    /// Look at the commands of each RUN (`a && b`, `set -e; a; b`) as steps
    /// of their own, as RD501 does when whole RUN steps give no split.
    #[arg(long)]
    pub commands: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Dot,
}

pub fn run(args: ExplainArgs) -> Exit {
    explain(args).unwrap_or_else(|code| code)
}

fn explain(args: ExplainArgs) -> Result<Exit, Exit> {
    let stdin = args.file.as_os_str() == "-";
    let text = if stdin {
        input::read_stream(std::io::stdin().lock())
            .and_then(input::utf8)
            .map_err(|e| super::fail(format!("cannot read standard input: {e}"), e.help()))?
    } else {
        super::read_dockerfile(&args.file)?
    };
    let at = if stdin {
        PathBuf::from("Dockerfile")
    } else {
        args.file.clone()
    };
    let (_, settings) = super::build_settings(&at, None, &args.build_arg, args.no_config)?;
    let model = Model::new(&text, &settings.build.inputs);
    let extra = &settings.build.commands;
    let exploded = args
        .commands
        .then(|| parallel::explode::explode(&model, &settings.build.inputs, extra))
        .flatten();
    let out = match &exploded {
        Some(e) => {
            let emodel = Model::new(&e.text, &settings.build.inputs);
            let graph = crate::analysis::graph_of(&model, &settings);
            let analyses: Vec<StageAnalysis> = (0..emodel.stages.len())
                .map(|s| {
                    let ships = graph.may_ship(&model, s);
                    e.analyze(&emodel, s, ships, &settings.build.inputs, extra)
                })
                .collect();
            let line_of = |ii: usize| model.line_of(e.original_instruction[ii]);
            match args.format {
                ExplainFormat::Text => {
                    let unlocks = unlocks_for(&text, &settings, &analyses);
                    report(&emodel, &analyses, &line_of, true, &unlocks)
                }
                ExplainFormat::Dot => dot(&emodel, &analyses),
            }
        }
        None => {
            let analyses: Vec<StageAnalysis> = (0..model.stages.len())
                .map(|s| parallel::analyze_settled(&model, s, &settings.build.inputs, extra))
                .collect();
            match args.format {
                ExplainFormat::Text => {
                    let unlocks = unlocks_for(&text, &settings, &analyses);
                    report(&model, &analyses, &|ii| model.line_of(ii), false, &unlocks)
                }
                ExplainFormat::Dot => dot(&model, &analyses),
            }
        }
    };
    print!("{out}");
    Ok(Exit::Ok)
}

fn summary(model: &Model<'_>, ii: usize) -> String {
    let inst = model.instruction(ii);
    let first = model.text[inst.span.range()].lines().next().unwrap_or("");
    let mut s: String = first.chars().take(70).collect();
    if first.chars().count() > 70 || model.text[inst.span.range()].contains('\n') {
        s.push_str(" …");
    }
    s
}

/// A RUN of one command of a longer RUN: its last line, where the command is.
fn command_summary(model: &Model<'_>, ii: usize) -> String {
    let inst = model.instruction(ii);
    let text = &model.text[inst.span.range()];
    if !text.contains('\n') {
        return summary(model, ii);
    }
    let last = text.lines().last().unwrap_or("").trim();
    let mut s: String = last.chars().take(66).collect();
    if last.chars().count() > 66 {
        s.push_str(" …");
    }
    format!("RUN … {s}")
}

/// What models would let RD501 split the stages this analysis splits
/// nothing in.
fn unlocks_for(text: &str, settings: &Settings, analyses: &[StageAnalysis]) -> Vec<Unlock> {
    let stuck: Vec<usize> = analyses
        .iter()
        .filter(|a| a.proposal.is_none() && a.why_not.is_some())
        .map(|a| a.stage)
        .collect();
    unlock::unlocks(text, settings, &stuck)
}

/// The report, with the line of instruction `ii` given by `line_of`.
fn report(
    model: &Model<'_>,
    analyses: &[StageAnalysis],
    line_of: &dyn Fn(usize) -> usize,
    commands: bool,
    unlocks: &[Unlock],
) -> String {
    let mut o = String::new();
    for a in analyses {
        let st = &model.stages[a.stage];
        let _ = writeln!(
            o,
            "stage {} `{}` (line {})",
            a.stage,
            st.label(),
            line_of(st.from)
        );
        for (i, step) in a.steps.iter().enumerate() {
            let fx = &step.effects;
            let _ = writeln!(
                o,
                "  [{i}] line {}: {}",
                line_of(step.instruction),
                if commands {
                    command_summary(model, step.instruction)
                } else {
                    summary(model, step.instruction)
                }
            );
            match &step.barrier {
                Some(b) if fx.opaque.is_some() => {
                    let _ = writeln!(o, "      opaque: {b}");
                }
                Some(b) => {
                    let _ = writeln!(o, "      barrier: {b}");
                }
                None => {}
            }
            let list = |v: &[parallel::PathRef]| {
                v.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !fx.programs.is_empty() {
                // One name per program, not each place PATH would look.
                let mut names: Vec<&str> = fx
                    .programs
                    .iter()
                    .map(|p| p.path.rsplit('/').next().unwrap_or(&p.path))
                    .collect();
                names.dedup();
                let _ = writeln!(o, "      runs:    {}", names.join(", "));
            }
            if !fx.reads.is_empty() {
                let _ = writeln!(o, "      reads:   {}", list(&fx.reads));
            }
            if !fx.unsplittable.is_empty() {
                let _ = writeln!(o, "      stays:   {}", fx.unsplittable.join("; "));
            }
            if !fx.writes.is_empty() {
                let _ = writeln!(o, "      writes:  {}", list(&fx.writes));
            }
            if !fx.deletes.is_empty() {
                let _ = writeln!(o, "      deletes: {}", list(&fx.deletes));
            }
            if step.barrier.is_none() || fx.cost > 0.0 {
                if fx.cpu > 0.0 {
                    let _ = writeln!(
                        o,
                        "      cost:    ~{:.1}s (~{:.1}s of it keeps a core busy)",
                        fx.cost, fx.cpu
                    );
                } else {
                    let _ = writeln!(o, "      cost:    ~{:.1}s", fx.cost);
                }
            }
        }
        for d in &a.dependences {
            let _ = writeln!(o, "  [{}] -> [{}]: {}", d.from, d.to, d.reason);
        }
        for c in &a.chains {
            let steps: Vec<String> = c.steps.iter().map(|s| format!("[{s}]")).collect();
            let outs: Vec<String> = c.outputs.iter().map(|p| p.to_string()).collect();
            let _ = write!(
                o,
                "  chain `{}` {} ~{:.1}s, leaves {}",
                c.name,
                steps.join(" "),
                c.cost,
                if outs.is_empty() {
                    "nothing".into()
                } else {
                    outs.join(", ")
                }
            );
            match &c.unsplittable {
                Some(u) => {
                    let _ = writeln!(o, " (stays: {u})");
                }
                None => o.push('\n'),
            }
        }
        match (&a.proposal, &a.why_not) {
            (Some(p), _) => {
                let names: Vec<&str> = p.split.iter().map(|c| c.name.as_str()).collect();
                let _ = writeln!(
                    o,
                    "  => split into {} ({:.1}s serial, {:.1}s parallel on {} cores)",
                    names.join(", "),
                    p.serial_seconds,
                    p.parallel_seconds,
                    parallel::build_cores(),
                );
            }
            (None, Some(w)) => {
                let _ = writeln!(o, "  => no split: {w}");
                for u in unlocks.iter().filter(|u| u.stage == a.stage) {
                    let names: Vec<String> = u.commands.iter().map(|c| format!("`{c}`")).collect();
                    let _ = writeln!(
                        o,
                        "  => with {} {} (if {} touched no file the other steps use), RD501 would say: {}",
                        if names.len() == 1 { "a model of" } else { "models of all of" },
                        names.join(", "),
                        if names.len() == 1 { "it" } else { "they" },
                        u.message
                    );
                }
            }
            (None, None) => {}
        }
        o.push('\n');
    }
    o
}

fn dot(model: &Model<'_>, analyses: &[StageAnalysis]) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut o = String::from(
        "digraph deps {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for a in analyses {
        let _ = writeln!(
            o,
            "  subgraph cluster_{} {{\n    label=\"{}\";",
            a.stage,
            esc(&model.stages[a.stage].label())
        );
        for (i, step) in a.steps.iter().enumerate() {
            let style = if step.effects.opaque.is_some() {
                ", style=filled, fillcolor=\"#f4cccc\""
            } else if step.barrier.is_some() {
                ", style=dashed"
            } else {
                ""
            };
            let _ = writeln!(
                o,
                "    s{}_{i} [label=\"{}\"{style}];",
                a.stage,
                esc(&summary(model, step.instruction))
            );
        }
        for d in &a.dependences {
            let _ = writeln!(
                o,
                "    s{0}_{1} -> s{0}_{2} [label=\"{3}\"];",
                a.stage,
                d.from,
                d.to,
                esc(&d.reason)
            );
        }
        o.push_str("  }\n");
    }
    o.push_str("}\n");
    o
}
