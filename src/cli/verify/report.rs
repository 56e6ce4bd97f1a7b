//! What `rdock verify` says: the comparison, the timings and the speed-up,
//! as text or JSON, and the reports of a rewrite that changed nothing or a
//! build that failed.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use super::{Side, VerifyArgs, SOURCE_DATE_EPOCH};
use crate::cli::{ColorArg, Exit};
use crate::exec::{BuildOutput, ExecError};
use crate::verify::timing::Analysis;
use crate::verify::{Comparison, Difference};

pub(super) fn ratio(a: Duration, b: Duration) -> f64 {
    let b = b.as_secs_f64();
    if b > 0.0 {
        a.as_secs_f64() / b
    } else {
        0.0
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

/// One side's timings.
pub(super) struct Timed {
    /// Build times (steps only, see `BuildOutput::build_time`).
    times: Vec<Duration>,
    median: Duration,
    /// Whole-command times, exports included.
    walls: Vec<Duration>,
    wall_median: Duration,
    /// Per build: how many steps ran, and how many of them the engine took
    /// from its cache.
    steps: Vec<usize>,
    cached: Vec<usize>,
    /// The analysis of the build closest to the median.
    analysis: Analysis,
    /// The compared image configuration fields of the first build.
    config: crate::exec::ImageConfig,
    /// The size of the first build's layers, when the engine says.
    image_bytes: Option<u64>,
}

pub(super) fn timed(runs: &[BuildOutput], an: &[Analysis]) -> Timed {
    let times: Vec<Duration> = runs.iter().map(|o| o.build_time).collect();
    let walls: Vec<Duration> = runs.iter().map(|o| o.wall).collect();
    let wall_median = median(walls.clone());
    let median = median(times.clone());
    let idx = times
        .iter()
        .enumerate()
        .min_by_key(|(_, w)| w.abs_diff(median))
        .map(|(i, _)| i)
        .unwrap_or(0);
    Timed {
        times,
        median,
        walls,
        wall_median,
        steps: runs.iter().map(|o| o.steps.len()).collect(),
        cached: runs
            .iter()
            .map(|o| o.steps.iter().filter(|s| s.cached).count())
            .collect(),
        analysis: an.get(idx).cloned().unwrap_or_else(empty_analysis),
        config: runs.first().map(|r| r.config.clone()).unwrap_or_default(),
        image_bytes: runs.first().and_then(|r| r.image_bytes),
    }
}

pub(super) fn empty_analysis() -> Analysis {
    Analysis {
        stages: Vec::new(),
        serial: Duration::ZERO,
        critical_path: Duration::ZERO,
        critical_stages: Vec::new(),
    }
}

pub(super) struct Report<'a> {
    /// The rewrite's stage graph timed with the original's step times.
    pub(super) ideal: Analysis,
    /// The cores the build machine has (`RDOCK_BUILD_CORES`, else this one's).
    pub(super) cores: f64,
    pub(super) original: &'a Side,
    pub(super) other: &'a Side,
    pub(super) how: String,
    pub(super) engine: String,
    pub(super) network: &'a str,
    pub(super) no_cache: bool,
    pub(super) a: Timed,
    pub(super) b: Timed,
    pub(super) pairs: Vec<f64>,
    pub(super) comparison: Comparison,
    pub(super) kept: Option<PathBuf>,
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

impl Report<'_> {
    fn speedup(&self) -> f64 {
        ratio(self.a.median, self.b.median)
    }

    /// The rewrite's time if its stage graph were scheduled perfectly: the
    /// original's time over the rewrite's ideal speed-up.
    fn ideal_time(&self) -> Duration {
        let s = self.ideal.ideal_speedup();
        Duration::from_secs_f64(self.a.median.as_secs_f64() / s.max(1e-9))
    }

    pub(super) fn full(&self) -> String {
        let mut o = String::new();
        let c = &self.comparison;
        o.push_str(&format!(
            "rdock verify: {} {}\nengine: {}; network {}; {}; SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}\n\n",
            self.original.path.display(),
            self.how,
            self.engine,
            self.network,
            if self.no_cache { "no cache" } else { "cache allowed" },
        ));
        let runs = self.b.times.len();
        o.push_str(&format!(
            "timing ({runs} run{} each, alternating{}):\n",
            if runs == 1 { "" } else { "s" },
            if runs > 1 { ", medians" } else { "" }
        ));
        for (label, t) in [("original", &self.a), ("rewrite", &self.b)] {
            let stages: Vec<String> = t
                .analysis
                .stages
                .iter()
                .map(|s| format!("{} {:.2}s", s.stage, s.time.as_secs_f64()))
                .collect();
            o.push_str(&format!(
                "  {label:<9} {:>9} build ({} with exports)\n            stages: {}\n            critical path {} ({}), serial {}, ideal speed-up {:.2}x\n",
                secs(t.median),
                secs(t.wall_median),
                stages.join(", "),
                secs(t.analysis.critical_path),
                t.analysis.critical_stages.join(" -> "),
                secs(t.analysis.serial),
                t.analysis.ideal_speedup(),
            ));
        }
        let pairs: Vec<String> = self.pairs.iter().map(|r| format!("{r:.2}x")).collect();
        o.push_str(&format!(
            "  speed-up  {:.2}x measured (each pair: {}); ideal {:.2}x from the rewrite's stage graph with the original's step times (ideal time {}); at most {:.2}x on {} cores when every step keeps a core busy\n\n",
            self.speedup(),
            pairs.join(", "),
            self.ideal.ideal_speedup(),
            secs(self.ideal_time()),
            crate::verify::timing::cpu_bound_speedup(&self.ideal, self.cores),
            self.cores,
        ));
        o.push_str(&format!(
            "compared: {} filesystem entries, {} image configuration fields\n",
            c.entries_compared, c.fields_compared
        ));
        if let (Some(a), Some(b)) = (self.a.image_bytes, self.b.image_bytes) {
            o.push_str(&format!(
                "image size: original {a} bytes of layers, rewrite {b} ({:+})\n",
                b as i64 - a as i64
            ));
            if larger(a, b) {
                o.push_str("  the rewrite's image is larger: a file that reaches it with COPY --from may stay in that layer under a later deletion\n");
            }
        }
        if !c.ignored.is_empty() {
            o.push_str(&format!(
                "ignored: {} (they also differ between two builds of the original)\n",
                c.ignored.len()
            ));
            for d in c.ignored.iter().take(20) {
                o.push_str(&format!("  {} {}\n", d.clause.id(), d.path));
            }
            if c.ignored.len() > 20 {
                o.push_str(&format!("  ... and {} more\n", c.ignored.len() - 20));
            }
        }
        if !c.differences.is_empty() {
            o.push_str(&format!("differences: {}\n", c.differences.len()));
            for d in c.differences.iter().take(100) {
                push_difference(&mut o, d);
            }
            if c.differences.len() > 100 {
                o.push_str(&format!(
                    "  ... and {} more (use --output-format json for all)\n",
                    c.differences.len() - 100
                ));
            }
        }
        if let Some(k) = &self.kept {
            o.push_str(&format!(
                "kept: {} (exported filesystems as tar files)\n",
                k.display()
            ));
        }
        if c.matches() {
            o.push_str("verdict: MATCH: the outputs are the same\n");
        } else {
            o.push_str(&format!(
                "verdict: MISMATCH: {} difference{}\n",
                c.differences.len(),
                if c.differences.len() == 1 { "" } else { "s" }
            ));
        }
        o
    }

    pub(super) fn json(&self) -> serde_json::Value {
        let side = |s: &Side, t: &Timed| {
            json!({
                "path": s.path.display().to_string(),
                "build_s": t.times.iter().map(|w| w.as_secs_f64()).collect::<Vec<_>>(),
                "median_s": t.median.as_secs_f64(),
                "wall_s": t.walls.iter().map(|w| w.as_secs_f64()).collect::<Vec<_>>(),
                "wall_median_s": t.wall_median.as_secs_f64(),
                "steps": t.steps,
                "cached_steps": t.cached,
                "stages": t.analysis.stages.iter().map(|st| json!({"stage": st.stage, "seconds": st.time.as_secs_f64()})).collect::<Vec<_>>(),
                "serial_s": t.analysis.serial.as_secs_f64(),
                "critical_path_s": t.analysis.critical_path.as_secs_f64(),
                "critical_stages": t.analysis.critical_stages,
                "ideal_speedup": t.analysis.ideal_speedup(),
                "config": t.config,
                "image_bytes": t.image_bytes,
            })
        };
        let diff = |d: &Difference| {
            json!({
                "clause": d.clause.id(),
                "path": d.path,
                "original": d.original,
                "rewrite": d.rewrite,
                "diff": d.diff,
            })
        };
        let c = &self.comparison;
        json!({
            "verdict": if c.matches() { "match" } else { "mismatch" },
            "engine": self.engine,
            "network": self.network,
            "no_cache": self.no_cache,
            "source_date_epoch": SOURCE_DATE_EPOCH,
            "original": side(self.original, &self.a),
            "rewrite": side(self.other, &self.b),
            "speedup": self.speedup(),
            "pair_speedups": self.pairs,
            "ideal_speedup": self.ideal.ideal_speedup(),
            "ideal_time_s": self.ideal_time().as_secs_f64(),
            "cores": self.cores,
            "cpu_bound_speedup": crate::verify::timing::cpu_bound_speedup(&self.ideal, self.cores),
            "entries_compared": c.entries_compared,
            "fields_compared": c.fields_compared,
            "differences": c.differences.iter().map(diff).collect::<Vec<_>>(),
            "ignored": c.ignored.iter().map(diff).collect::<Vec<_>>(),
            "kept": self.kept.as_ref().map(|k| k.display().to_string()),
            "image_larger": match (self.a.image_bytes, self.b.image_bytes) {
                (Some(a), Some(b)) => Some(larger(a, b)),
                _ => None,
            },
        })
    }
}

/// Whether an image of `b` bytes of layers is clearly larger than one of
/// `a`: by more than 1% and 64 KiB (a split adds a few folder entries and
/// layer headers of its own).
fn larger(a: u64, b: u64) -> bool {
    b > a + (a / 100).max(64 * 1024)
}

fn push_difference(o: &mut String, d: &Difference) {
    o.push_str(&format!(
        "  {} {}\n      original: {}\n      rewrite:  {}\n",
        d.clause.id(),
        d.path,
        d.original,
        d.rewrite
    ));
    if let Some(diff) = &d.diff {
        for line in diff.lines() {
            o.push_str(&format!("      {line}\n"));
        }
    }
}

pub(super) fn report_unchanged(args: &VerifyArgs, json_out: bool) -> Exit {
    let message = format!(
        "nothing to compare: `rdock lint --fix{}` leaves {} unchanged (no rewrite applies), so no build was made",
        if args.unsafe_fixes { " --unsafe-fixes" } else { "" },
        args.build.dockerfile.display()
    );
    let mut out = std::io::stdout().lock();
    if json_out {
        let _ = writeln!(
            out,
            "{}",
            json!({"verdict": "unchanged", "message": message})
        );
    } else {
        let _ = writeln!(
            out,
            "{message}\nverdict: UNCHANGED (use --against OTHER to compare with another file)"
        );
    }
    Exit::Ok
}

pub(super) fn report_failure(side: &str, e: &ExecError, json_out: bool) -> Exit {
    if json_out {
        let (step, message) = match e {
            ExecError::BuildFailed { step, message, .. } => (step.clone(), message.clone()),
            other => (None, other.to_string()),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{}",
            json!({"verdict": "build-failed", "side": side, "step": step, "message": message, "error": e.to_string()})
        );
    }
    eprintln!("the {side} build failed");
    crate::cli::print_error(e, ColorArg::Auto.enabled(std::io::stderr().is_terminal()));
    Exit::Error
}
