//! Splitting inside a RUN: the commands of `RUN a && b && c` (or of `set -e;
//! a; b; c`) are looked at as RUN steps of their own, so that independent
//! commands of one RUN can become parallel stages.
//!
//! The file is *exploded*: every RUN whose script has two or more pieces
//! that can stand alone (`shell::pieces`) is written as one RUN per piece,
//! each repeating the state it needs (`set -e`, `cd`, plain variables) and
//! the RUN's flags, and marked with a comment. The ordinary analysis and
//! rewrite run on that text; afterwards the pieces that still stand next to
//! each other, in order, are *imploded* back into one RUN (the original
//! text when the whole RUN is still together), and the edits are the
//! difference to the original file. One RUN as several RUN steps builds the
//! same files: each fails when a piece fails, and the pieces share nothing
//! but the carried state.

use crate::model::Model;
use crate::shell::pieces::{self, PieceKind, Sep};
use crate::syntax::{Args, Kind};

/// The comment line a rewrite writes before the RUN piece that receives a
/// chain's files ([`super::Handover`]): the mount flag, a tab, the command
/// that copies the files in. [`Exploded::implode`] moves both into the RUN.
pub const HANDOVER: &str = "# rdock-handover:";

/// A path that goes into a `--mount` value and a shell word as written.
fn plain_path(p: &str) -> bool {
    p.starts_with('/')
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+@:%".contains(&b))
}

/// A split inside a RUN that would keep a file in the image's layers.
enum Kept {
    /// A later command of the RUN deletes or replaces it.
    Surely(String),
    /// A later command rdock cannot follow may.
    Maybe(String),
}

/// A RUN written as one RUN per piece.
#[derive(Debug, Clone)]
struct Run {
    /// The instruction's text (its span) in the original file.
    original: String,
    /// The keyword as written and the text up to the script (flags).
    head: String,
    /// Each piece's text in the file, its kind and the separator after it.
    pieces: Vec<(String, PieceKind, Option<Sep>)>,
    /// The file's text between each piece and the next (separator,
    /// continuations, indentation).
    gaps: Vec<String>,
}

impl Run {
    /// The first carried `cd`, which later pieces repeat.
    fn first_cd(&self) -> Option<usize> {
        self.pieces
            .iter()
            .position(|p| p.1 == PieceKind::Carry && p.0.trim_start().starts_with("cd"))
    }

    fn carries_cd(&self) -> bool {
        self.first_cd().is_some()
    }

    /// The RUN's own line ending.
    fn newline(&self) -> &'static str {
        if self.original.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }
}

/// The exploded file.
#[derive(Debug, Clone)]
pub struct Exploded {
    pub text: String,
    runs: Vec<Run>,
    marker: String,
    newline: &'static str,
    /// For each instruction of the exploded text, the original instruction.
    pub original_instruction: Vec<usize>,
    /// For each instruction of the exploded text, its RUN and piece.
    piece_of: Vec<Option<(usize, usize)>>,
}

/// Mount types whose writes do not outlive one RUN: a piece that wrote
/// there would not be read by the next RUN.
fn per_run_mounts(inst: &crate::syntax::Instruction) -> bool {
    inst.flags_named("mount").any(|f| {
        let v = f.value.as_deref().unwrap_or("");
        let fields: Vec<&str> = v.split(',').collect();
        let ty = fields
            .iter()
            .find_map(|x| x.strip_prefix("type="))
            .unwrap_or("bind");
        ty == "tmpfs"
            || (ty == "bind"
                && fields
                    .iter()
                    .any(|x| matches!(*x, "rw" | "readwrite" | "rw=true" | "readwrite=true")))
    })
}

/// The file exploded, without the RUNs whose pieces would not do alone what
/// they did together: a piece after a carried `cd DIR` enters DIR again,
/// which an earlier piece may have deleted or replaced (or an opaque one
/// may have). `None` when no RUN of the file has pieces.
pub fn explode(
    model: &Model<'_>,
    inputs: &crate::model::BuildInputs,
    extra: &[super::models::CommandModel],
) -> Option<Exploded> {
    // The joined pieces are written with `\` continuations.
    if model.ast.escape != '\\' {
        return None;
    }
    let mut skip: Vec<usize> = Vec::new();
    for _ in 0..4 {
        let exploded = explode_except(model, &skip, extra)?;
        // Only a carried `cd` needs the exploded file's effects; the caller
        // builds its own model of the text.
        if !exploded.runs.iter().any(Run::carries_cd) {
            return Some(exploded);
        }
        let emodel = Model::new(&exploded.text, inputs);
        if emodel.instructions.len() != exploded.piece_of.len() {
            return None;
        }
        let bad = exploded.cd_not_kept(&emodel, extra);
        if bad.is_empty() {
            return Some(exploded);
        }
        skip.extend(bad);
    }
    None
}

impl Exploded {
    /// [`super::analyze_settled`] of stage `stage` of the exploded file
    /// (`emodel`), without a proposal that would keep in the image's layers
    /// a file the original RUN did not leave behind ([`Self::kept_in_layers`]).
    /// `ships`: whether the stage's layers may end up in an image
    /// ([`crate::graph::StageGraph::may_ship`]); a stage only copied from
    /// ships no layer, so a file kept in one costs nothing.
    pub fn analyze(
        &self,
        emodel: &Model<'_>,
        stage: usize,
        ships: bool,
        inputs: &crate::model::BuildInputs,
        extra: &[super::models::CommandModel],
    ) -> super::StageAnalysis {
        let screen = |steps: &[super::Step], p: &mut super::Proposal| {
            let mut caveat = None;
            if ships {
                match self.prefix_kept(steps, p) {
                    Some(Kept::Surely(why)) => return Err(why),
                    Some(Kept::Maybe(why)) => caveat = Some(why),
                    None => {}
                }
            }
            for ci in 0..p.split.len() {
                let kept = self.kept_in_layers(steps, &p.split[ci]);
                // A file a later command of the RUN deletes or replaces goes
                // in by the RUN itself. In a stage whose layers do not ship
                // a COPY --from costs nothing, and is taken when the
                // hand-over would need a caveat. (A deletion rdock only
                // suspects keeps the plainer COPY --from and says so.)
                if matches!(kept, Some(Kept::Surely(_))) {
                    if let Some((h, why)) = self.handover(steps, p, ci) {
                        if ships || why.is_none() {
                            p.handovers.push(h);
                            if caveat.is_none() {
                                caveat = why;
                            }
                            continue;
                        }
                    }
                }
                match kept {
                    Some(Kept::Surely(why)) if ships => return Err(why),
                    Some(Kept::Maybe(why)) if ships => {
                        caveat.get_or_insert(why);
                    }
                    _ => {}
                }
            }
            Ok(caveat)
        };
        super::analyze_settled_screened(emodel, stage, inputs, extra, &screen)
    }

    /// The RUN piece (exploded instruction) `i` of the steps stands for:
    /// its RUN and piece.
    fn run_of(&self, steps: &[super::Step], i: usize) -> Option<(usize, usize)> {
        self.piece_of.get(steps[i].instruction).copied().flatten()
    }

    /// Chain `ci` of `p` handed over inside the rest of its own RUN
    /// ([`super::Handover`]), when it can be: its outputs are files, its
    /// steps are pieces of one RUN (not a heredoc), and the pieces of that
    /// RUN left in the final stage come out as one RUN. With a caveat when
    /// a command of that RUN rdock cannot follow, or one that reads `/`,
    /// could see the mount point the files come through.
    fn handover(
        &self,
        steps: &[super::Step],
        p: &super::Proposal,
        ci: usize,
    ) -> Option<(super::Handover, Option<String>)> {
        let c = &p.split[ci];
        if !c.files_only || c.outputs.is_empty() {
            return None;
        }
        let rid = self.run_of(steps, *c.steps.first()?)?.0;
        if c.steps
            .iter()
            .any(|&i| self.run_of(steps, i).map(|r| r.0) != Some(rid))
            || self.runs[rid].original.contains("<<")
            || c.outputs.iter().any(|o| !plain_path(&o.path))
        {
            return None;
        }
        // The steps after the copies, in the order they are written.
        let last = *p.segment.last()?;
        let emitted: Vec<usize> = p
            .stay
            .iter()
            .copied()
            .chain(last + 1..steps.len())
            .collect();
        let mine: Vec<usize> = emitted
            .iter()
            .enumerate()
            .filter(|(_, &t)| self.run_of(steps, t).map(|r| r.0) == Some(rid))
            .map(|(at, _)| at)
            .collect();
        let (&first, &end) = (mine.first()?, mine.last()?);
        // One RUN after the copies: the pieces side by side, and after the
        // segment only right at its end (the rewrite writes the hand-over
        // at the end of what it replaces).
        if end - first + 1 != mine.len() || (first >= p.stay.len() && emitted[first] != last + 1) {
            return None;
        }
        let why = emitted[first..=end].iter().find_map(|&t| {
            let step = &steps[t];
            if let Some(b) = &step.barrier {
                return Some(format!(
                    "the rest of the RUN gets the files of chain `{}` through a mount point under `/.rdock-*`, which a command rdock cannot follow could see (the RUN {b})",
                    c.name
                ));
            }
            step.effects.needs.iter().any(|n| n == "/").then(|| {
                format!(
                    "the rest of the RUN gets the files of chain `{}` through a mount point under `/.rdock-*`, which a command that reads `/` sees",
                    c.name
                )
            })
        });
        Some((
            super::Handover {
                chain: ci,
                before: emitted[first],
            },
            why,
        ))
    }

    /// Why the commands of a RUN that stay before the split (in the prefix
    /// stage, a layer of their own) would make the image heavier: a later
    /// command of the same RUN deletes or replaces what they leave
    /// ([`Kept::Surely`]; `apk add` then `apk del` counts, as rdock cannot
    /// see what the first left), or may, one of the two being opaque
    /// ([`Kept::Maybe`]). Cut off, what the first part left stays in its layer.
    fn prefix_kept(&self, steps: &[super::Step], p: &super::Proposal) -> Option<Kept> {
        let start = *p.segment.first()?;
        // A RUN's pieces are consecutive steps: only the RUN of the step
        // before the segment can also have pieces in it.
        let rid = self.run_of(steps, start.checked_sub(1)?)?.0;
        let of = |t: &usize| self.run_of(steps, *t).map(|r| r.0) == Some(rid);
        let before: Vec<usize> = (0..start).filter(of).collect();
        let after: Vec<usize> = (start..steps.len()).filter(of).collect();
        if before.is_empty() || after.is_empty() {
            return None;
        }
        let opaque_before = before.iter().find_map(|&t| steps[t].barrier.as_deref());
        let opaque_after = after.iter().any(|&t| steps[t].barrier.is_some());
        // A package install after them only may replace what they left
        // (effects::Install); after an install of their own, it surely
        // changes what that one installed (`apk add` then `apk del`).
        let installs_before = before.iter().any(|&t| steps[t].effects.install.is_some());
        let may_replace = |t: usize| steps[t].effects.install.is_some() && !installs_before;
        let deleted: Vec<&super::PathRef> = after
            .iter()
            .flat_map(|&t| {
                let fx = &steps[t].effects;
                let writes: &[super::PathRef] = if may_replace(t) { &[] } else { &fx.writes };
                fx.deletes.iter().chain(writes).chain(&fx.deletes_later)
            })
            .collect();
        let installed: Vec<&super::PathRef> = after
            .iter()
            .filter(|&&t| may_replace(t))
            .flat_map(|&t| &steps[t].effects.writes)
            .collect();
        let deletes_any = after.iter().any(|&t| {
            let fx = &steps[t].effects;
            !fx.deletes.is_empty() || !fx.deletes_later.is_empty()
        });
        let left: Vec<&super::PathRef> = before
            .iter()
            .flat_map(|&t| &steps[t].effects.writes)
            .collect();
        // A deletion of what they wrote or of a folder above it; below a
        // folder they made, only of what they wrote there as a tree.
        let clash = left.iter().find(|w| {
            deleted.iter().any(|d| {
                super::paths::is_within(&w.path, &d.path)
                    || (w.tree && super::paths::is_within(&d.path, &w.path))
            })
        });
        match (opaque_before, clash) {
            (Some(b), _) if deletes_any => Some(Kept::Surely(format!(
                "the first commands of the RUN would stay in a layer of their own, and rdock cannot follow one of them ({b}), while a later command of the same RUN deletes files: what it left and they delete would stay in the image's layers and make the image larger"
            ))),
            (_, Some(w)) => Some(Kept::Surely(format!(
                "the first commands of the RUN would stay in a layer of their own, and a later command of the same RUN deletes or replaces {w}, which they leave: it would stay in the image's layers and make the image larger"
            ))),
            (Some(b), None) if opaque_after => Some(Kept::Maybe(format!(
                "the first commands of the RUN would stay in a layer of their own, and rdock can follow neither one of them ({b}) nor all that comes later in the RUN: what the first leave and the later delete would stay in the image's layers"
            ))),
            (None, None) => {
                // (A folder they made stays a folder: only files count.)
                let made: Vec<&String> = before
                    .iter()
                    .flat_map(|&t| &steps[t].effects.creates)
                    .collect();
                let replaced = left.iter().find(|w| {
                    !made.contains(&&w.path)
                        && installed
                            .iter()
                            .any(|d| super::paths::is_within(&w.path, &d.path))
                })?;
                Some(Kept::Maybe(format!(
                    "the first commands of the RUN would stay in a layer of their own, and a later package install of the same RUN may replace {replaced}, which they leave (rdock does not know what packages contain): it would then stay in the image's layers"
                )))
            }
            _ => None,
        }
    }

    /// Why chain `c` would make the image heavier as a COPY --from: a path
    /// it leaves (copied with COPY --from, a layer of its own) that a later
    /// command of the same RUN deletes or replaces ([`Kept::Surely`]), or
    /// may, being opaque to rdock ([`Kept::Maybe`]). Left in one RUN, the
    /// file never reached a layer; split off, it stays in the copy's layer
    /// under the deletion (the files are the same, the image is larger by
    /// the file).
    fn kept_in_layers(&self, steps: &[super::Step], c: &super::Chain) -> Option<Kept> {
        let mut maybe = None;
        // The first output a later package install may replace, and the
        // installs of the rest of the RUN.
        let mut installs_after: Option<(super::PathRef, super::effects::Install)> = None;
        let runs: Vec<usize> = c
            .steps
            .iter()
            .filter_map(|&i| self.run_of(steps, i).map(|r| r.0))
            .collect();
        let last = *c.steps.iter().max()?;
        for (t, step) in steps.iter().enumerate().skip(last + 1) {
            let Some((rid, _)) = self.run_of(steps, t) else {
                continue;
            };
            if !runs.contains(&rid) || c.steps.contains(&t) {
                continue;
            }
            if step.barrier.is_some() {
                // The commands after the one rdock could not follow
                // may still be plain deletions it can read.
                if let Some(o) = c.outputs.iter().find(|o| {
                    step.effects
                        .deletes_later
                        .iter()
                        .any(|d| super::paths::deletion_touches(&o.path, &d.path))
                }) {
                    return Some(Kept::Surely(format!(
                        "a later command of the same RUN deletes {o}, which chain `{}` leaves: as a COPY --from it would stay in the image's layers and make the image larger",
                        c.name
                    )));
                }
                maybe.get_or_insert_with(|| format!(
                    "a later command of the same RUN may delete what chain `{}` leaves (rdock cannot follow it): a file a COPY --from brings would then stay in the image's layers and make the image larger",
                    c.name
                ));
                continue;
            }
            let fx = &step.effects;
            // A package install writes the package trees only in the
            // sense that it may (effects::Install).
            if let Some(install) = &fx.install {
                if let Some(o) = c.outputs.iter().find(|o| {
                    fx.writes
                        .iter()
                        .any(|d| super::paths::is_within(&o.path, &d.path))
                }) {
                    installs_after
                        .get_or_insert_with(|| (o.clone(), Default::default()))
                        .1
                        .merge(install.clone());
                }
                continue;
            }
            for o in &c.outputs {
                if fx.deletes.iter().chain(&fx.writes).any(|d| {
                    super::paths::is_within(&o.path, &d.path)
                        || super::paths::is_within(&d.path, &o.path)
                }) {
                    return Some(Kept::Surely(format!(
                        "a later command of the same RUN deletes or replaces {o}, which chain `{}` leaves: as a COPY --from it would stay in the image's layers and make the image larger",
                        c.name
                    )));
                }
            }
        }
        if let Some((o, install)) = installs_after {
            maybe.get_or_insert_with(|| format!(
                "a later package command of the same RUN ({}) may replace {o}, which chain `{}` leaves (rdock does not know what packages contain): a file a COPY --from brings would then stay in the image's layers and make the image larger",
                install.describe(),
                c.name
            ));
        }
        maybe.map(Kept::Maybe)
    }

    /// Original instructions whose carried `cd` a later piece may not be
    /// able to repeat.
    fn cd_not_kept(&self, emodel: &Model<'_>, extra: &[super::models::CommandModel]) -> Vec<usize> {
        let mut bad = Vec::new();
        for (id, run) in self.runs.iter().enumerate() {
            let Some(first_cd) = run.first_cd() else {
                continue;
            };
            let mut changed: Vec<String> = Vec::new();
            let mut opaque = false;
            for (ei, at) in self.piece_of.iter().enumerate() {
                let Some((rid, k)) = *at else {
                    continue;
                };
                if rid != id {
                    continue;
                }
                let fx = super::effects::run_effects(emodel, ei, extra);
                if k > first_cd
                    && (opaque
                        || fx
                            .needs
                            .iter()
                            .any(|n| changed.iter().any(|c| super::paths::is_within(n, c))))
                {
                    bad.push(self.original_instruction[ei]);
                    break;
                }
                opaque |= fx.opaque.is_some();
                changed.extend(fx.deletes.iter().chain(&fx.writes).map(|p| p.path.clone()));
            }
        }
        bad
    }
}

/// Commands of `script` that may take a second or more (a chain of only
/// cheaper ones stays in the final stage): those whose model says so, and
/// the commands rdock reads itself that may (`tar`, compressors, `sh -c`
/// and other wrappers). Cutting a RUN with fewer than two is wasted work.
fn costly_commands(script: &crate::shell::Script, extra: &[super::models::CommandModel]) -> usize {
    use super::models::{self, Cost};
    const MAYBE: [&str; 17] = [
        "tar", "sh", "bash", "dash", "ash", "env", "nice", "timeout", "ionice", "stdbuf", "nohup",
        "unzip", "gzip", "gunzip", "xz", "zstd", "bzip2",
    ];
    script
        .commands
        .iter()
        .filter(|c| {
            c.base_name().is_some_and(|n| MAYBE.contains(&n))
                || models::find(extra, c)
                    .or_else(|| models::find(models::builtin(), c))
                    // A command that changes state every step shares never moves.
                    .filter(|m| !matches!(m.kind, models::Kind::Shared | models::Kind::Install))
                    .is_some_and(|m| match &m.cost {
                        Some(Cost::Seconds(s)) => *s >= super::MIN_CHAIN_SECONDS,
                        Some(Cost::Expr(_)) => true,
                        None => false,
                    })
        })
        .count()
}

fn explode_except(
    model: &Model<'_>,
    skip: &[usize],
    extra: &[super::models::CommandModel],
) -> Option<Exploded> {
    let text = model.text;
    // A marker no line of the file contains.
    let mut marker = "rdock-piece".to_string();
    while text.contains(&marker) {
        marker.push('_');
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() * 2);
    let mut pos = 0;
    let mut runs: Vec<Run> = Vec::new();
    let mut original_instruction = Vec::new();
    let mut piece_of = Vec::new();
    for ii in 0..model.instructions.len() {
        let inst = model.instruction(ii);
        let pieces = (inst.kind() == Kind::Run
            && !skip.contains(&ii)
            && matches!(inst.args, Args::Shell(_))
            && inst.heredocs.is_empty()
            && model.instructions[ii].stage.is_some()
            && model.posix_shell_at(ii)
            && !per_run_mounts(inst)
            // Only scripts rdock analyses at all (size, nesting, the file's
            // budget), with two commands that can carry real work.
            && model
                .script(ii)
                .is_some_and(|s| s.error.is_none() && costly_commands(s, extra) >= 2))
        .then(|| pieces::top_pieces(&inst.args_text))
        .flatten();
        let Some(pieces) = pieces else {
            original_instruction.push(ii);
            piece_of.push(None);
            continue;
        };
        let at = |s: usize, e: usize| -> (usize, usize) {
            (
                inst.args_source_offset(s),
                inst.args_source_offset(e.saturating_sub(1)) + 1,
            )
        };
        let slice = |s: usize, e: usize| -> String {
            let (a, b) = at(s, e);
            text.get(a..b).unwrap_or_default().to_string()
        };
        let gaps: Vec<String> = pieces
            .windows(2)
            .map(|w| {
                let (_, end) = at(w[0].start, w[0].end);
                let (next, _) = at(w[1].start, w[1].end);
                text.get(end..next).unwrap_or_default().to_string()
            })
            .chain(std::iter::once(String::new()))
            .collect();
        let run = Run {
            original: text[inst.span.range()].to_string(),
            head: text[inst.span.start..inst.args_span.start].to_string(),
            pieces: pieces
                .iter()
                .map(|p| (slice(p.start, p.end), p.kind, p.sep))
                .collect(),
            gaps,
        };
        // The pieces must be the script: joined, they read as it does.
        let logical: String = pieces
            .iter()
            .map(|p| &inst.args_text[p.start..p.end])
            .collect::<Vec<_>>()
            .join("");
        let sliced: String = run
            .pieces
            .iter()
            .map(|p| strip_continuations(&p.0))
            .collect();
        if logical != sliced {
            original_instruction.push(ii);
            piece_of.push(None);
            continue;
        }
        let id = runs.len();
        out.push_str(&text[pos..inst.span.start]);
        let works: Vec<usize> = (0..run.pieces.len())
            .filter(|&k| run.pieces[k].1 == PieceKind::Work)
            .collect();
        for (n, &k) in works.iter().enumerate() {
            out.push_str(&format!("# {marker}:{id}:{k}{newline}"));
            out.push_str(&merged(&run, &[k]));
            if n + 1 < works.len() {
                out.push_str(newline);
            }
            original_instruction.push(ii);
            piece_of.push(Some((id, k)));
        }
        pos = inst.span.end;
        runs.push(run);
    }
    if runs.is_empty() {
        return None;
    }
    out.push_str(&text[pos..]);
    Some(Exploded {
        text: out,
        runs,
        marker,
        newline,
        original_instruction,
        piece_of,
    })
}

/// The logical text of a slice of the file: `\` + newline removed, and the
/// comment and blank lines inside the continuation dropped, as BuildKit's
/// parser drops them (the check that the pieces were cut where the script
/// was; a slice this reads otherwise than BuildKit leaves the RUN whole).
fn strip_continuations(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut lines = s.split('\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let l = line.strip_suffix('\r').unwrap_or(line);
        let continued = !std::mem::take(&mut first);
        let trimmed = l.trim_start();
        if continued && lines.peek().is_some() && (trimmed.starts_with('#') || trimmed.is_empty()) {
            continue;
        }
        match l.strip_suffix('\\').or_else(|| l.strip_suffix('`')) {
            Some(rest) if lines.peek().is_some() => out.push_str(rest),
            _ => {
                out.push_str(l);
                if lines.peek().is_some() {
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// One RUN of the pieces `ks` (in order) of `run`, with the state the last
/// of them needs: the original text when `ks` is every work piece.
fn merged(run: &Run, ks: &[usize]) -> String {
    let works: Vec<usize> = (0..run.pieces.len())
        .filter(|&k| run.pieces[k].1 == PieceKind::Work)
        .collect();
    if ks == works.as_slice() {
        return run.original.clone();
    }
    let last = *ks.last().unwrap_or(&0);
    let included: Vec<usize> = (0..=last)
        .filter(|&i| ks.contains(&i) || (run.pieces[i].1 == PieceKind::Carry && i < last))
        .collect();
    let newline = run.newline();
    // The comment lines that stood right before piece `j` in the file go
    // with it (`# Install gosu` before `&& wget ... gosu`), on lines of
    // their own inside the continuation.
    let comments_before = |j: usize| -> Option<String> {
        let lines: String = run.gaps[j.checked_sub(1)?]
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(|l| format!("{l}{newline}"))
            .collect();
        (!lines.is_empty()).then(|| format!("\\{newline}{lines}    "))
    };
    let mut body = included
        .first()
        .and_then(|&first| comments_before(first))
        .unwrap_or_default();
    for (n, &i) in included.iter().enumerate() {
        body.push_str(&run.pieces[i].0);
        match included.get(n + 1) {
            // Neighbours in the file keep what stood between them.
            Some(&j) if j == i + 1 => body.push_str(&run.gaps[i]),
            Some(&j) => {
                let and = !matches!(run.pieces[i].2, Some(Sep::Seq));
                body.push_str(&match (and, comments_before(j)) {
                    (true, None) => " && ".to_string(),
                    (false, None) => "; ".to_string(),
                    (true, Some(c)) => format!(" {c}&& "),
                    (false, Some(c)) => format!("; {c}"),
                });
            }
            None => {}
        }
    }
    format!("{}{body}", run.head)
}

impl Exploded {
    /// Join the pieces the text `after` (the exploded text rewritten) still
    /// has side by side; `None` when a marker is not where it should be.
    pub fn implode(&self, after: &str) -> Option<String> {
        let tag = format!("# {}:", self.marker);
        let mut out = String::with_capacity(after.len());
        let mut pos = 0;
        loop {
            let next_tag = after[pos..].find(&tag).map(|f| pos + f);
            let next_hand = after[pos..].find(HANDOVER).map(|f| pos + f);
            // Hand-over lines first, when the group has any.
            let (hands, group_start, start) = match (next_hand, next_tag) {
                (Some(h), Some(t)) if h < t => {
                    let mut hands = Vec::new();
                    let mut at = h;
                    while after[at..].starts_with(HANDOVER) {
                        let line_end = after[at..].find('\n')? + at;
                        let line = after[at + HANDOVER.len()..line_end].trim_end_matches('\r');
                        let (flag, cmd) = line.split_once('\t')?;
                        hands.push((flag.to_string(), cmd.to_string()));
                        at = line_end + 1;
                    }
                    let indent =
                        after[at..].len() - after[at..].trim_start_matches([' ', '\t']).len();
                    if at + indent != t {
                        return None;
                    }
                    (hands, h, t)
                }
                (Some(_), None) => return None,
                (_, Some(t)) => {
                    let line_start = after[..t].rfind('\n').map_or(0, |i| i + 1);
                    (Vec::new(), line_start, t)
                }
                (None, None) => break,
            };
            // The group of blocks from here: (id, k) each, next to each other.
            let line_start = after[..start].rfind('\n').map_or(0, |i| i + 1);
            let mut group: Vec<usize> = Vec::new();
            let mut id_of_group = None;
            let mut at = start;
            let mut end = start;
            loop {
                let line_end = after[at..].find('\n')? + at;
                let head = after[at + tag.len()..line_end].trim_end_matches('\r');
                let (id, k) = head.split_once(':')?;
                let (id, k): (usize, usize) = (id.parse().ok()?, k.parse().ok()?);
                let run = self.runs.get(id)?;
                if id_of_group.is_some_and(|g| g != id) {
                    break;
                }
                if group.last().is_some_and(|&p| p >= k) {
                    break;
                }
                let body = merged(run, &[k]);
                let b = line_end + 1;
                if !after[b..].starts_with(&body) {
                    return None;
                }
                id_of_group = Some(id);
                group.push(k);
                end = b + body.len();
                // Another block of the same RUN right after this one?
                let next = after[end..]
                    .strip_prefix(self.newline)
                    .map(|_| end + self.newline.len());
                match next {
                    Some(n) if after[n..].trim_start_matches([' ', '\t']).starts_with(&tag) => {
                        let indent =
                            after[n..].len() - after[n..].trim_start_matches([' ', '\t']).len();
                        let n2 = n + indent;
                        let line_end2 = after[n2..].find('\n')? + n2;
                        let head2 = after[n2 + tag.len()..line_end2].trim_end_matches('\r');
                        let (id2, k2) = head2.split_once(':')?;
                        if id2.parse::<usize>().ok()? != id || k2.parse::<usize>().ok()? <= k {
                            break;
                        }
                        at = n2;
                    }
                    _ => break,
                }
            }
            let id = id_of_group?;
            out.push_str(&after[pos..group_start]);
            // Keep the indentation the marker had.
            out.push_str(&after[line_start..start]);
            let run = &self.runs[id];
            let text = merged(run, &group);
            if hands.is_empty() {
                out.push_str(&text);
            } else {
                out.push_str(&handed_over(run, &text, &hands)?);
            }
            pos = end;
        }
        out.push_str(&after[pos..]);
        (!out.contains(&tag) && !out.contains(HANDOVER)).then_some(out)
    }
}

/// `text`, the RUN `merged` wrote for some pieces of `run`, receiving the
/// files of chains ([`super::Handover`]): their mounts after the keyword,
/// and before the script the copies, which end the RUN when one fails.
fn handed_over(run: &Run, text: &str, hands: &[(String, String)]) -> Option<String> {
    let body = text.strip_prefix(run.head.as_str())?;
    let kw_len = run.head.find(|c: char| !c.is_ascii_alphabetic())?;
    let (kw, flags) = run.head.split_at(kw_len);
    let newline = run.newline();
    // The indentation of the RUN's continuation lines, as written.
    let indent = run
        .original
        .split('\n')
        .nth(1)
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .filter(|i| !i.is_empty())
        .unwrap_or("    ");
    let mut out = format!("{kw} ");
    for (mount, _) in hands {
        out.push_str(&format!("{mount} \\{newline}{indent}"));
    }
    out.push_str(flags.trim_start());
    let copies: Vec<&str> = hands.iter().map(|(_, c)| c.as_str()).collect();
    out.push_str(&copies.join(" && "));
    out.push_str(" || exit;");
    if body.starts_with('\\') {
        out.push(' ');
    } else {
        out.push_str(&format!(" \\{newline}{indent}"));
    }
    out.push_str(body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BuildInputs;

    fn exploded(text: &str) -> Exploded {
        let model = Model::new(text, &BuildInputs::default());
        explode(&model, &BuildInputs::default(), &[]).expect("explodes")
    }

    #[test]
    fn pieces_become_runs_and_come_back_whole() {
        let text = "FROM alpine\nRUN set -e; \\\n    cd /opt; \\\n    wget -O a u1; \\\n    wget -O b u2\nCMD x\n";
        let e = exploded(text);
        assert!(
            e.text
                .contains("\nRUN set -e; \\\n    cd /opt; \\\n    wget -O a u1\n#"),
            "{}",
            e.text
        );
        assert!(
            e.text
                .contains("\nRUN set -e; \\\n    cd /opt; wget -O b u2\nCMD"),
            "{}",
            e.text
        );
        assert_eq!(e.implode(&e.text).as_deref(), Some(text));
        assert_eq!(e.original_instruction, [0, 1, 1, 2]);
    }

    #[test]
    fn pieces_apart_stay_apart() {
        let text = "FROM alpine\nRUN wget -O /a u1 && wget -O /b u2 && wget -O /c u3\n";
        let e = exploded(text);
        // Move the second piece's block to its own stage.
        let lines: Vec<&str> = e.text.lines().collect();
        let moved = format!(
            "FROM alpine\n{}\n{}\n\nFROM x\n{}\n{}\n\n{}\n{}\n",
            lines[1], lines[2], lines[3], lines[4], lines[5], lines[6]
        );
        let back = e.implode(&moved).unwrap();
        assert_eq!(
            back,
            "FROM alpine\nRUN wget -O /a u1\n\nFROM x\nRUN wget -O /b u2\n\nRUN wget -O /c u3\n"
        );
    }

    #[test]
    fn hand_over_lines_go_into_the_run_they_stand_before() {
        let text = "FROM alpine\nRUN wget -O /a u1 && wget -O /b u2 && cat /a /b > /c && rm /a\n";
        let e = exploded(text);
        // The first piece as a stage; the rest receive its file.
        let hand = format!(
            "{HANDOVER}--mount=type=bind,from=x,source=/a,target=/.rdock-x\tcp -p /.rdock-x /a"
        );
        let second = e.text.match_indices("# rdock-piece").nth(1).unwrap().0;
        let first = &e.text["FROM alpine\n".len()..second];
        let moved = format!("FROM x\n{first}\nFROM y\n{hand}\n{}", &e.text[second..]);
        let back = e.implode(&moved).unwrap();
        assert_eq!(
            back,
            "FROM x\nRUN wget -O /a u1\n\nFROM y\nRUN --mount=type=bind,from=x,source=/a,target=/.rdock-x \\\n    cp -p /.rdock-x /a || exit; \\\n    wget -O /b u2 && cat /a /b > /c && rm /a\n"
        );
        // A hand-over line that no piece follows is not written.
        let stray = format!("{}\n{hand}\n", moved.trim_end());
        assert_eq!(e.implode(&stray), None);
    }

    #[test]
    fn runs_with_per_run_mounts_are_left_whole() {
        let model = Model::new(
            "FROM alpine\nRUN --mount=type=tmpfs,target=/t wget -O /t/a u && cp /t/a /a && wget -O /b u\n",
            &BuildInputs::default(),
        );
        assert!(explode(&model, &BuildInputs::default(), &[]).is_none());
    }

    #[test]
    fn a_cd_is_not_carried_past_a_piece_that_removes_its_folder() {
        let text =
            "FROM alpine\nRUN set -e; cd /w; sleep 1 > a; rm -rf /w; sleep 1 > /b; sleep 1 > /c\n";
        let model = Model::new(text, &BuildInputs::default());
        assert!(explode(&model, &BuildInputs::default(), &[]).is_none());
        let text =
            "FROM alpine\nRUN set -e; cd /w; sleep 1 > a; rm -rf /x; sleep 1 > /b; sleep 1 > /c\n";
        let model = Model::new(text, &BuildInputs::default());
        assert!(explode(&model, &BuildInputs::default(), &[]).is_some());
    }
}
