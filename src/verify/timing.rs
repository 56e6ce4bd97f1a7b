//! Stage times from a build's steps, the critical path through the stage
//! graph, and the speed-up the graph predicts.

use std::time::Duration;

use crate::exec::Step;
use crate::graph::StageGraph;
use crate::model::Model;
use crate::settings::Settings;

/// One stage's share of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct StageTime {
    /// The stage's label (`build`, or `#0` when unnamed).
    pub stage: String,
    /// The sum of its steps' times (steps of one stage run one after another).
    pub time: Duration,
}

/// The timing analysis of one build.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Stages the target needs, in file order.
    pub stages: Vec<StageTime>,
    /// The sum of the stage times: the build done one step at a time.
    pub serial: Duration,
    /// The longest chain of dependent stages ending at the target.
    pub critical_path: Duration,
    /// The stages on that chain, first to last.
    pub critical_stages: Vec<String>,
}

impl Analysis {
    /// Serial time over critical path: the speed-up a perfect scheduler gets
    /// from this file's stage graph.
    pub fn ideal_speedup(&self) -> f64 {
        let cp = self.critical_path.as_secs_f64();
        if cp > 0.0 {
            self.serial.as_secs_f64() / cp
        } else {
            1.0
        }
    }
}

/// `steps` with the durations of the same instructions in `reference` (the
/// original's build): the moved steps as they ran one at a time, before the
/// rewrite's parallel stages made them compete for the cores. Steps with
/// no counterpart keep their own time.
pub fn with_times_of(steps: &[Step], reference: &[Step]) -> Vec<Step> {
    let instruction = |name: &str| name.split_once("] ").map_or(name, |(_, i)| i).to_string();
    let mut used = vec![false; reference.len()];
    steps
        .iter()
        .map(|s| {
            let mut s = s.clone();
            if s.stage.is_some() {
                let want = instruction(&s.name);
                if let Some(k) = (0..reference.len()).find(|&k| {
                    !used[k]
                        && reference[k].stage.is_some()
                        && instruction(&reference[k].name) == want
                }) {
                    used[k] = true;
                    s.duration = reference[k].duration;
                }
            }
            s
        })
        .collect()
}

/// The speed-up a perfect scheduler gets on `cores` cores when every step
/// keeps a core busy: serial time over the longer of the critical path and
/// the serial time shared out over the cores.
pub fn cpu_bound_speedup(a: &Analysis, cores: f64) -> f64 {
    let serial = a.serial.as_secs_f64();
    let bound = a.critical_path.as_secs_f64().max(serial / cores.max(1.0));
    if bound > 0.0 {
        serial / bound
    } else {
        1.0
    }
}

/// Attribute `steps` to the stages of `text` (built for the targets of
/// `settings`, as `rdock lint` sees them) and find the critical path.
pub fn analyse(text: &str, settings: &Settings, steps: &[Step]) -> Analysis {
    let model = Model::new(text, &settings.build.inputs);
    let graph = crate::analysis::graph_of(&model, settings);
    let n = model.stages.len();
    // The engine names a stage by its lower-cased name, or `stage-N`.
    let engine_name = |i: usize| {
        model.stages[i]
            .name_lower()
            .unwrap_or_else(|| format!("stage-{i}"))
    };
    let mut times = vec![Duration::ZERO; n];
    for step in steps {
        let Some(stage) = &step.stage else { continue };
        if let Some(i) = (0..n).find(|&i| engine_name(i) == *stage) {
            times[i] += step.duration;
        }
    }
    // Longest path to each stage through what it needs (memoised; cycles cut).
    let mut best: Vec<Option<(Duration, Option<usize>)>> = vec![None; n];
    fn longest(
        s: usize,
        graph: &StageGraph,
        times: &[Duration],
        best: &mut Vec<Option<(Duration, Option<usize>)>>,
        visiting: &mut Vec<bool>,
    ) -> Duration {
        if let Some((d, _)) = best[s] {
            return d;
        }
        if visiting[s] {
            return Duration::ZERO;
        }
        visiting[s] = true;
        let mut top = (Duration::ZERO, None);
        let deps: Vec<usize> = graph.dependencies(s).map(|(d, _)| d).collect();
        for d in deps {
            let t = longest(d, graph, times, best, visiting);
            if t > top.0 || top.1.is_none() && t == top.0 {
                top = (t, Some(d));
            }
        }
        visiting[s] = false;
        let total = top.0 + times[s];
        best[s] = Some((total, top.1));
        total
    }
    let mut visiting = vec![false; n];
    let mut critical_path = Duration::ZERO;
    let mut end = None;
    for &t in &graph.targets {
        let d = longest(t, &graph, &times, &mut best, &mut visiting);
        if end.is_none() || d > critical_path {
            critical_path = d;
            end = Some(t);
        }
    }
    let mut critical_stages = Vec::new();
    let mut cur = end;
    while let Some(s) = cur {
        if critical_stages.len() > n {
            break;
        }
        critical_stages.push(model.stages[s].label());
        cur = best[s].and_then(|(_, prev)| prev);
    }
    critical_stages.reverse();
    let stages: Vec<StageTime> = (0..n)
        .filter(|&i| graph.reachable.get(i).copied().unwrap_or(false))
        .map(|i| StageTime {
            stage: model.stages[i].label(),
            time: times[i],
        })
        .collect();
    let serial = stages.iter().map(|s| s.time).sum();
    Analysis {
        stages,
        serial,
        critical_path,
        critical_stages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(stage: &str, secs: u64) -> Step {
        Step {
            name: format!("[{stage} 2/2] RUN x"),
            stage: Some(stage.into()),
            duration: Duration::from_secs(secs),
            cached: false,
        }
    }

    #[test]
    fn critical_path_of_a_fan_in() {
        let text = "FROM b AS One\nRUN x\nFROM b AS two\nRUN x\nFROM b\nCOPY --from=one /a /a\nCOPY --from=two /b /b\n";
        let a = analyse(
            text,
            &Settings::default(),
            &[step("one", 5), step("two", 3), step("stage-2", 1)],
        );
        assert_eq!(a.serial, Duration::from_secs(9));
        assert_eq!(a.critical_path, Duration::from_secs(6));
        assert_eq!(a.critical_stages, ["One", "#2"]);
        assert!((a.ideal_speedup() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn one_stage_has_no_speedup() {
        let a = analyse(
            "FROM b\nRUN x\nRUN y\n",
            &Settings::default(),
            &[step("stage-0", 2), step("stage-0", 3)],
        );
        assert_eq!(a.serial, a.critical_path);
        assert_eq!(a.ideal_speedup(), 1.0);
    }
}
