//! BuildKit's `--progress=rawjson` stream: one `SolveStatus` JSON object per
//! line, whose `vertexes` carry each step's name, start and completion.

use std::collections::HashMap;
use std::time::Duration;

use super::Step;

/// One vertex (step) as last reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vertex {
    pub name: String,
    /// Seconds since the epoch.
    pub started: Option<f64>,
    pub completed: Option<f64>,
    pub cached: bool,
    pub error: Option<String>,
}

/// Every vertex of a build, in the order first seen, plus the build's log lines.
#[derive(Debug, Default)]
pub struct VertexLog {
    order: Vec<String>,
    vertices: HashMap<String, Vertex>,
    /// Output of steps (`logs` entries), by vertex digest, for error messages.
    logs: HashMap<String, String>,
    /// When the command ran (seconds since the epoch): no time outside it
    /// was observed for this build (a vertex another build shares can carry
    /// an earlier start).
    window: Option<(f64, f64)>,
}

impl VertexLog {
    /// Read one line of the stream. Returns the name of a step that started
    /// on this line, if any. Lines that are not JSON are ignored.
    pub fn feed(&mut self, line: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
        let mut started = None;
        for vx in v
            .get("vertexes")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            let Some(digest) = vx.get("digest").and_then(|d| d.as_str()) else {
                continue;
            };
            let entry = self.vertices.entry(digest.to_string()).or_insert_with(|| {
                self.order.push(digest.to_string());
                Vertex::default()
            });
            if let Some(n) = vx.get("name").and_then(|n| n.as_str()) {
                entry.name = n.to_string();
            }
            if let Some(t) = vx
                .get("started")
                .and_then(|t| t.as_str())
                .and_then(parse_timestamp)
            {
                if entry.started.is_none() {
                    started = Some(entry.name.clone());
                }
                entry.started = Some(t);
            }
            if let Some(t) = vx
                .get("completed")
                .and_then(|t| t.as_str())
                .and_then(parse_timestamp)
            {
                entry.completed = Some(t);
            }
            if vx.get("cached").and_then(|c| c.as_bool()) == Some(true) {
                entry.cached = true;
            }
            if let Some(e) = vx.get("error").and_then(|e| e.as_str()) {
                if !e.is_empty() {
                    entry.error = Some(e.to_string());
                }
            }
        }
        for log in v
            .get("logs")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            let (Some(digest), Some(data)) = (
                log.get("vertex").and_then(|d| d.as_str()),
                log.get("data").and_then(|d| d.as_str()),
            ) else {
                continue;
            };
            // `data` is base64 in the JSON encoding of []byte.
            if let Some(bytes) = base64_decode(data) {
                let out = self.logs.entry(digest.to_string()).or_default();
                out.push_str(&String::from_utf8_lossy(&bytes));
                if out.len() > 16 * 1024 {
                    let cut = out.len() - 16 * 1024;
                    let cut = (cut..out.len())
                        .find(|&i| out.is_char_boundary(i))
                        .unwrap_or(0);
                    out.drain(..cut);
                }
            }
        }
        started
    }

    /// The command ran from `start` to `end` (seconds since the epoch).
    pub fn set_window(&mut self, start: f64, end: f64) {
        self.window = Some((start, end));
    }

    fn clamp(&self, t: f64) -> f64 {
        match self.window {
            Some((a, b)) => t.clamp(a, b.max(a)),
            None => t,
        }
    }

    /// The steps that ran, in the order first seen.
    pub fn steps(&self) -> Vec<Step> {
        self.order
            .iter()
            .filter_map(|d| self.vertices.get(d))
            .map(|v| Step {
                name: v.name.clone(),
                stage: stage_of(&v.name),
                duration: match (
                    v.started.map(|t| self.clamp(t)),
                    v.completed.map(|t| self.clamp(t)),
                ) {
                    (Some(s), Some(c)) if c > s => Duration::from_secs_f64(c - s),
                    _ => Duration::ZERO,
                },
                cached: v.cached,
            })
            .collect()
    }

    /// From the first step's start to the last step's end, leaving out the
    /// exporters (writing the image and the filesystem tar): the build itself.
    pub fn solve_time(&self) -> Option<Duration> {
        let mut first: Option<f64> = None;
        let mut last: Option<f64> = None;
        for v in self.vertices.values() {
            if v.name.starts_with("exporting ") {
                continue;
            }
            if let Some(s) = v.started.map(|t| self.clamp(t)) {
                first = Some(first.map_or(s, |f| f.min(s)));
            }
            if let Some(c) = v.completed.map(|t| self.clamp(t)) {
                last = Some(last.map_or(c, |l| l.max(c)));
            }
        }
        match (first, last) {
            (Some(f), Some(l)) if l > f => Some(Duration::from_secs_f64(l - f)),
            _ => None,
        }
    }

    /// The first step that failed: its name, its error and the tail of its output.
    pub fn failure(&self) -> Option<(String, String)> {
        // When one step fails, BuildKit cancels the steps running beside
        // it, and they may report first: the step that failed is the one
        // whose error is not a cancellation.
        let canceled = |e: &str| e.ends_with("context canceled") || e == "canceled";
        let failed = |d: &&String| {
            self.vertices
                .get(*d)
                .and_then(|v| v.error.as_deref())
                .is_some_and(|e| !canceled(e))
        };
        let d = self.order.iter().find(failed).or_else(|| {
            self.order
                .iter()
                .find(|d| self.vertices.get(*d).is_some_and(|v| v.error.is_some()))
        })?;
        let v = self.vertices.get(d)?;
        let err = v.error.as_ref()?;
        let log = self.logs.get(d).map(|l| l.trim_end()).unwrap_or("");
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        let message = if tail.is_empty() {
            err.clone()
        } else {
            format!("{err}\n{}", tail.join("\n"))
        };
        Some((v.name.clone(), message))
    }
}

/// `[build 2/3] RUN make` -> `build`; `[2/3] RUN make` (a file with one
/// stage, which BuildKit does not name) -> `stage-0`; `[internal] ...` and
/// others -> None.
fn stage_of(name: &str) -> Option<String> {
    let rest = name.strip_prefix('[')?;
    let inner = &rest[..rest.find(']')?];
    let (stage, pos) = inner.rsplit_once(' ').unwrap_or(("stage-0", inner));
    let (a, b) = pos.split_once('/')?;
    if a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok() {
        Some(stage.to_string())
    } else {
        None
    }
}

/// RFC 3339 (`2024-05-01T10:00:00.123456789Z`, or with `+hh:mm`) to seconds since the epoch.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut frac = 0.0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac = format!("0.{}", s.get(start..i)?).parse::<f64>().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - offset) as f64 + frac)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0.0));
        let t = parse_timestamp("2026-11-28T02:33:59.108377759Z").unwrap();
        assert!((t - 1_795_833_239.108_377_8).abs() < 1e-3, "{t}");
        assert_eq!(
            parse_timestamp("1970-01-01T01:00:00+01:00"),
            Some(0.0),
            "offsets"
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn stages_and_durations() {
        let mut log = VertexLog::default();
        let started = log.feed(r#"{"vertexes":[{"digest":"sha256:a","name":"[task1 2/3] RUN sleep 5","started":"2026-01-01T00:00:00Z"}]}"#);
        assert_eq!(started.as_deref(), Some("[task1 2/3] RUN sleep 5"));
        log.feed(r#"{"vertexes":[{"digest":"sha256:a","name":"[task1 2/3] RUN sleep 5","started":"2026-01-01T00:00:00Z","completed":"2026-01-01T00:00:05.5Z"}]}"#);
        log.feed(r#"{"vertexes":[{"digest":"sha256:b","name":"[internal] load build definition from Dockerfile"}]}"#);
        log.feed("not json");
        log.feed(r#"{"vertexes":[{"digest":"sha256:c","name":"exporting to image","started":"2026-01-01T00:00:05Z","completed":"2026-01-01T00:00:09Z"}]}"#);
        assert_eq!(log.solve_time(), Some(Duration::from_millis(5500)));
        // A time outside the command's own run was not observed: a vertex
        // shared with another build may carry its earlier start.
        let mut shared = VertexLog::default();
        shared.feed(r#"{"vertexes":[{"digest":"sha256:a","name":"[task1 2/3] RUN sleep 5","started":"2026-01-01T00:00:00Z","completed":"2026-01-01T00:00:05.5Z"}]}"#);
        let t0 = parse_timestamp("2026-01-01T00:00:02Z").unwrap();
        let t1 = parse_timestamp("2026-01-01T00:00:04Z").unwrap();
        shared.set_window(t0, t1);
        assert_eq!(shared.solve_time(), Some(Duration::from_secs(2)));
        assert_eq!(shared.steps()[0].duration, Duration::from_secs(2));
        log.feed(r#"{"vertexes":[{"digest":"sha256:d","name":"[1/2] FROM busybox"}]}"#);
        let steps = log.steps();
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[0].stage.as_deref(), Some("task1"));
        assert_eq!(steps[0].duration, Duration::from_millis(5500));
        assert_eq!(steps[1].stage, None);
        assert_eq!(steps[2].stage, None, "exporters belong to no stage");
        assert_eq!(steps[3].stage.as_deref(), Some("stage-0"));
    }

    #[test]
    fn the_failed_step_is_named_not_one_canceled_beside_it() {
        let mut log = VertexLog::default();
        log.feed(r#"{"vertexes":[{"digest":"sha256:c","name":"[p0 3/10] COPY --from=n3 /a /a","error":"context canceled: context canceled"}]}"#);
        log.feed(r#"{"vertexes":[{"digest":"sha256:f","name":"[p6 4/5] RUN cp -p /x /y","error":"process \"/bin/sh -c cp -p /x /y\" did not complete successfully: exit code: 1"}]}"#);
        let (step, msg) = log.failure().unwrap();
        assert_eq!(step, "[p6 4/5] RUN cp -p /x /y");
        assert!(msg.contains("exit code: 1"), "{msg}");
        // Only cancellations: the first of them.
        let mut only = VertexLog::default();
        only.feed(r#"{"vertexes":[{"digest":"sha256:c","name":"[p0 3/10] COPY --from=n3 /a /a","error":"context canceled"}]}"#);
        assert_eq!(only.failure().unwrap().0, "[p0 3/10] COPY --from=n3 /a /a");
    }

    #[test]
    fn failures_carry_the_step_output() {
        let mut log = VertexLog::default();
        log.feed(r#"{"vertexes":[{"digest":"sha256:a","name":"[stage-0 2/2] RUN false","error":"process \"/bin/sh -c false\" did not complete successfully: exit code: 1"}]}"#);
        log.feed(r#"{"logs":[{"vertex":"sha256:a","stream":2,"data":"b29wcwo="}]}"#);
        let (step, msg) = log.failure().unwrap();
        assert_eq!(step, "[stage-0 2/2] RUN false");
        assert!(
            msg.contains("exit code: 1") && msg.contains("oops"),
            "{msg}"
        );
    }
}
