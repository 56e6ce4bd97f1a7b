//! Bake (HCL and JSON), compose and workflow files: the builds they name,
//! and target names mentioned in YAML keys.

use super::script::logical_lines;
use super::*;
use std::collections::HashMap;

/// The 1-based line of the first line at or after `from` that contains all of `needles`.
pub(super) fn line_of(text: &str, from: usize, needles: &[&str]) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| needles.iter().all(|n| l.contains(n)))
        .map(|(i, _)| i + 1)
}

#[derive(Debug, Clone, Default)]
pub(super) struct BakeTarget {
    context: Option<String>,
    dockerfile: Option<String>,
    target: Option<String>,
    inherits: Vec<String>,
}

/// How deep `inherits` may nest (a target, its parent, the parent's
/// parent...). Bake has no limit, but a deeper chain is no real file; the
/// bound keeps the resolution's recursion off the end of the stack.
pub const MAX_INHERITS_DEPTH: usize = 256;

/// Every target of a bake file with what it inherits filled in: each
/// target resolved once (memoised), in time linear in the targets and
/// their `inherits` entries. A cycle, or a chain deeper than
/// [`MAX_INHERITS_DEPTH`], is an error naming the targets, as bake
/// refuses a cycle.
pub(super) fn resolve_all(
    all: &BTreeMap<String, BakeTarget>,
) -> Result<BTreeMap<&str, BakeTarget>, String> {
    enum State {
        Resolving,
        /// The target resolved, and its depth (1: it inherits nothing).
        Done(BakeTarget, usize),
    }
    fn too_deep(name: &str) -> String {
        format!(
            "target `{name}` inherits through more than {MAX_INHERITS_DEPTH} levels; rdock reads at most {MAX_INHERITS_DEPTH}"
        )
    }
    fn resolve<'a>(
        name: &'a str,
        all: &'a BTreeMap<String, BakeTarget>,
        memo: &mut HashMap<&'a str, State>,
        chain: &mut Vec<&'a str>,
    ) -> Result<(BakeTarget, usize), String> {
        match memo.get(name) {
            Some(State::Done(t, depth)) => return Ok((t.clone(), *depth)),
            Some(State::Resolving) => {
                let from = chain.iter().position(|n| *n == name).unwrap_or(0);
                let mut cycle: Vec<&str> = chain[from..].to_vec();
                cycle.push(name);
                return Err(format!(
                    "target `{name}` inherits from itself ({}); bake refuses a cycle",
                    cycle.join(" -> ")
                ));
            }
            None => {}
        }
        // (An unknown parent adds nothing, as before.)
        let Some((key, t)) = all.get_key_value(name) else {
            return Ok((BakeTarget::default(), 0));
        };
        // (A recursion this deep means a chain this long.)
        if chain.len() >= MAX_INHERITS_DEPTH {
            return Err(too_deep(chain[0]));
        }
        memo.insert(key, State::Resolving);
        chain.push(key);
        let mut out = BakeTarget::default();
        let mut depth = 1;
        for parent in &t.inherits {
            let (p, d) = resolve(parent, all, memo, chain)?;
            depth = depth.max(d + 1);
            out.context = p.context.or(out.context);
            out.dockerfile = p.dockerfile.or(out.dockerfile);
            out.target = p.target.or(out.target);
        }
        chain.pop();
        if depth > MAX_INHERITS_DEPTH {
            return Err(too_deep(key));
        }
        out.context = t.context.clone().or(out.context);
        out.dockerfile = t.dockerfile.clone().or(out.dockerfile);
        out.target = t.target.clone().or(out.target);
        memo.insert(key, State::Done(out.clone(), depth));
        Ok((out, depth))
    }
    let mut memo = HashMap::new();
    let mut out = BTreeMap::new();
    for name in all.keys() {
        let (t, _) = resolve(name, all, &mut memo, &mut Vec::new())?;
        out.insert(name.as_str(), t);
    }
    Ok(out)
}

/// The line each quoted name first appears on, found in one pass:
/// `target "NAME"` (HCL), else `"NAME":` (JSON), else `"NAME"` anywhere.
fn name_lines(text: &str) -> [HashMap<&str, usize>; 3] {
    let mut found: [HashMap<&str, usize>; 3] = Default::default();
    for (i, line) in text.lines().enumerate() {
        let pieces: Vec<&str> = line.split('"').collect();
        // Odd pieces are quoted (while the quotes pair up).
        for q in (1..pieces.len().saturating_sub(1)).step_by(2) {
            let name = pieces[q];
            if pieces[q - 1].ends_with("target ") {
                found[0].entry(name).or_insert(i + 1);
            }
            if pieces[q + 1].starts_with(':') {
                found[1].entry(name).or_insert(i + 1);
            }
            found[2].entry(name).or_insert(i + 1);
        }
    }
    found
}

pub(super) fn bake_refs(
    text: &str,
    targets: BTreeMap<String, BakeTarget>,
) -> Result<Vec<BuildRef>, String> {
    let resolved = resolve_all(&targets)?;
    let lines = name_lines(text);
    let mut out = Vec::new();
    for (name, t) in resolved {
        // A target or Dockerfile holding a variable (a `matrix`, a
        // `variable`) stays, as a pattern.
        // Targets that only serve as parents still build when named; list them all.
        let line = lines.iter().find_map(|l| l.get(name).copied()).unwrap_or(1);
        out.push(BuildRef {
            target: t.target,
            context: t.context,
            dockerfile: match t.dockerfile {
                Some(d) => DockerfilePath::InContext(d),
                None => DockerfilePath::Default,
            },
            line,
            kind: SourceKind::Bake,
        });
    }
    Ok(out)
}

/// `target "name" { dockerfile = ... context = ... target = ... inherits = [...] }`.
pub fn parse_bake_hcl(text: &str) -> Result<Vec<BuildRef>, String> {
    let body = hcl::parse(text).map_err(|e| e.to_string())?;
    let mut targets = BTreeMap::new();
    for block in body.blocks() {
        if block.identifier() != "target" {
            continue;
        }
        let Some(name) = block.labels().first().map(|l| l.as_str().to_string()) else {
            continue;
        };
        let mut t = BakeTarget::default();
        for attr in block.body().attributes() {
            let string = match attr.expr() {
                hcl::Expression::String(s) => Some(s.clone()),
                hcl::Expression::TemplateExpr(t) => Some(t.to_string()),
                hcl::Expression::Null => None,
                // A variable, a function call, a condition: any value.
                _ => Some("${}".to_string()),
            };
            match attr.key() {
                "context" => t.context = string,
                "dockerfile" => t.dockerfile = string,
                "target" => t.target = string,
                "inherits" => {
                    if let hcl::Expression::Array(items) = attr.expr() {
                        t.inherits = items
                            .iter()
                            .filter_map(|e| match e {
                                hcl::Expression::String(s) => Some(s.clone()),
                                _ => None,
                            })
                            .collect();
                    }
                }
                _ => {}
            }
        }
        targets.insert(name, t);
    }
    bake_refs(text, targets)
}

/// `{"target": {"name": {"dockerfile": ..., "context": ..., "target": ...}}}`.
pub fn parse_bake_json(text: &str) -> Result<Vec<BuildRef>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut targets = BTreeMap::new();
    if let Some(obj) = v.get("target").and_then(|t| t.as_object()) {
        for (name, t) in obj {
            let s = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let inherits = t
                .get("inherits")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            targets.insert(
                name.clone(),
                BakeTarget {
                    context: s("context"),
                    dockerfile: s("dockerfile"),
                    target: s("target"),
                    inherits,
                },
            );
        }
    }
    bake_refs(text, targets)
}

pub(super) fn yaml_str(v: &serde_yaml_ng::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Compose files: `services.<name>.build` as a context string or a map with
/// `context`, `dockerfile` and `target`.
pub fn parse_compose(text: &str) -> Result<Vec<BuildRef>, String> {
    let mut v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    // `<<: *common`: a service taking its `build` from an anchor.
    let _ = v.apply_merge();
    let mut out = Vec::new();
    let Some(services) = v.get("services").and_then(|s| s.as_mapping()) else {
        return Ok(out);
    };
    for (name, service) in services {
        let Some(build) = service.get("build") else {
            continue;
        };
        let name = name.as_str().unwrap_or("");
        let service_line = line_of(text, 1, &[&format!("{name}:")]).unwrap_or(1);
        let (context, dockerfile, target) = match build {
            serde_yaml_ng::Value::String(c) => (Some(c.clone()), None, None),
            m => (
                yaml_str(m, "context"),
                yaml_str(m, "dockerfile"),
                yaml_str(m, "target"),
            ),
        };
        let line = match &target {
            Some(t) => line_of(text, service_line, &["target:", t]).unwrap_or(service_line),
            None => line_of(text, service_line, &["build:"]).unwrap_or(service_line),
        };
        out.push(BuildRef {
            target,
            context,
            dockerfile: match dockerfile {
                Some(d) => DockerfilePath::InContext(d),
                None => DockerfilePath::Default,
            },
            line,
            kind: SourceKind::Compose,
        });
    }
    Ok(out)
}

/// The values `${{ matrix.<key> }}` takes in a job: the list under
/// `strategy.matrix.<key>` and the `include` entries' `<key>`. Empty when
/// one of them is not a plain value (an expression, a list from `fromJSON`).
pub(super) fn matrix_values(job: &serde_yaml_ng::Value, key: &str) -> Vec<String> {
    let Some(matrix) = job.get("strategy").and_then(|s| s.get("matrix")) else {
        return Vec::new();
    };
    let scalar = |v: &serde_yaml_ng::Value| match v {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    match matrix.get(key) {
        Some(serde_yaml_ng::Value::Sequence(items)) => {
            for i in items {
                match scalar(i) {
                    Some(s) => out.push(s),
                    None => return Vec::new(),
                }
            }
        }
        Some(_) => return Vec::new(),
        None => {}
    }
    if let Some(include) = matrix.get("include").and_then(|i| i.as_sequence()) {
        for row in include {
            if let Some(v) = row.get(key) {
                match scalar(v) {
                    Some(s) => out.push(s),
                    None => return Vec::new(),
                }
            }
        }
    } else if matrix.get("include").is_some() {
        return Vec::new();
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|v| seen.insert(v.clone()));
    out
}

/// `value` with each `${{ matrix.<key> }}` replaced by the values the job's
/// matrix gives it (every combination, at most 64); the value itself, a
/// pattern, when a key's values are not all written out.
pub(super) fn expand_matrix(value: &str, job: &serde_yaml_ng::Value) -> Vec<String> {
    let mut results = vec![String::new()];
    let mut rest = value;
    while let Some(open) = rest.find("${{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        let expr = rest[open + 3..open + close].trim();
        let values = match expr.strip_prefix("matrix.") {
            Some(key)
                if key
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
            {
                matrix_values(job, key)
            }
            _ => Vec::new(),
        };
        if values.is_empty() || results.len() * values.len() > 64 {
            return vec![value.to_string()];
        }
        let head = &rest[..open];
        results = results
            .iter()
            .flat_map(|r| values.iter().map(move |v| format!("{r}{head}{v}")))
            .collect();
        rest = &rest[open + close + 2..];
    }
    results.iter().map(|r| format!("{r}{rest}")).collect()
}

/// Whether a `uses:` step builds an image from a Dockerfile: a build-push
/// action (docker's, depot's, ...), buildah-build, or any action given a
/// `target`, `file` or `dockerfile` (bake actions excepted: their targets
/// are bake targets).
pub(super) fn is_build_action(uses: &str, with: Option<&serde_yaml_ng::Value>) -> bool {
    let lower = uses.to_ascii_lowercase();
    if lower.contains("bake") {
        return false;
    }
    lower.contains("build-push-action")
        || lower.contains("buildah-build")
        || [
            "target",
            "file",
            "dockerfile",
            "containerfiles",
            "dockerfiles",
        ]
        .iter()
        .any(|k| with.is_some_and(|w| w.get(*k).is_some()))
}

/// GitHub workflows and composite actions (`jobs.<id>.steps`, `runs.steps`):
/// build action steps (`docker/build-push-action` and the like: `target:`,
/// `file:`, `context:`), and `docker build` commands in `run:` steps. A
/// `${{ matrix.<key> }}` is replaced by the values the job's matrix lists.
pub fn parse_workflow(text: &str) -> Result<Vec<BuildRef>, String> {
    let mut v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let _ = v.apply_merge();
    let mut out = Vec::new();
    let mut jobs: Vec<&serde_yaml_ng::Value> = Vec::new();
    if let Some(js) = v.get("jobs").and_then(|j| j.as_mapping()) {
        jobs.extend(js.values());
    }
    if let Some(runs) = v.get("runs") {
        jobs.push(runs);
    }
    let mut cursor = 1;
    for job in jobs {
        let Some(steps) = job.get("steps").and_then(|s| s.as_sequence()) else {
            continue;
        };
        for step in steps {
            if let Some(uses) = yaml_str(step, "uses") {
                let with = step.get("with");
                if !is_build_action(&uses, with) {
                    continue;
                }
                let get = |k: &str| with.and_then(|w| yaml_str(w, k));
                let target = get("target");
                let file = get("file")
                    .or_else(|| get("dockerfile"))
                    .or_else(|| get("containerfiles"))
                    .or_else(|| get("dockerfiles"))
                    .and_then(|f| {
                        f.lines()
                            .map(str::trim)
                            .find(|l| !l.is_empty())
                            .map(str::to_string)
                    });
                let context = get("context");
                let uses_line = line_of(text, cursor, &[&uses]).unwrap_or(cursor);
                cursor = uses_line + 1;
                let line = match &target {
                    Some(t) => line_of(text, uses_line, &["target:", t]).unwrap_or(uses_line),
                    None => uses_line,
                };
                let targets = match &target {
                    Some(t) => expand_matrix(t, job).into_iter().map(Some).collect(),
                    None => vec![None],
                };
                let files = match &file {
                    Some(f) => expand_matrix(f, job).into_iter().map(Some).collect(),
                    None => vec![None],
                };
                let contexts = match &context {
                    Some(c) => expand_matrix(c, job).into_iter().map(Some).collect(),
                    None => vec![None],
                };
                for target in &targets {
                    for file in &files {
                        for context in &contexts {
                            out.push(BuildRef {
                                target: target.clone(),
                                context: context.clone(),
                                dockerfile: match file {
                                    Some(f) => DockerfilePath::FromCwd(f.clone()),
                                    None => DockerfilePath::Default,
                                },
                                line,
                                kind: SourceKind::Workflow,
                            });
                        }
                    }
                }
            } else if let Some(run) = yaml_str(step, "run") {
                let first = run.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                let start = line_of(text, cursor, &[first.trim()]).unwrap_or(cursor);
                for b in parse_script(&run) {
                    let needle = run.lines().nth(b.line - 1).unwrap_or("").trim().to_string();
                    let line = line_of(text, start, &[&needle]).unwrap_or(start);
                    let targets = match &b.target {
                        Some(t) => expand_matrix(t, job).into_iter().map(Some).collect(),
                        None => vec![None],
                    };
                    for target in targets {
                        out.push(BuildRef {
                            target,
                            line,
                            kind: SourceKind::Workflow,
                            ..b.clone()
                        });
                    }
                }
                cursor = start + 1;
            }
        }
    }
    Ok(out)
}

/// Stage names a build file hands to builds rdock cannot follow: `--target X`
/// outside a build command (`ARGS="--target X"`, then `docker build $ARGS`),
/// and the values of variables named `*TARGET` or `*TARGETS` (`DOCKER_TARGET:
/// slim` in a workflow's `env`, `TARGET ?= release` in a Makefile, a bash
/// array `targets=(a b)`). With the 1-based line of each.
pub fn target_hints(text: &str, yaml_target_keys: bool) -> Vec<(String, usize)> {
    let literal = |w: &str| {
        let w = w.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']' | '(' | ')'));
        let ok = w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        ok.then(|| w.to_string())
    };
    let mut out = Vec::new();
    for (line_no, line) in logical_lines(text) {
        let l = line.trim();
        // Builds rdock follows are not hints.
        if l.starts_with('#') || l.starts_with("//") || !parse_script(l).is_empty() {
            continue;
        }
        // `--target X`, `--target=X`, `--opt target=X`.
        let words: Vec<&str> = l.split_whitespace().collect();
        for (j, w) in words.iter().enumerate() {
            // (`'--target', 'prod',` in a YAML list: Cloud Build's args.)
            let w = w.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']' | '(' | ')'));
            let w = w.find("--target").map_or(w, |p| &w[p..]);
            let value = match w.strip_prefix("--target") {
                Some("") => words.get(j + 1).copied(),
                Some(v) => v.strip_prefix('='),
                None => w.strip_prefix("target="),
            };
            if let Some(v) = value.and_then(literal) {
                out.push((v, line_no));
            }
        }
        // `NAME=value`, `NAME := a b`, `NAME: value`, `export NAME=value`.
        let l = l.strip_prefix("export ").unwrap_or(l);
        let l = l.strip_prefix("- ").unwrap_or(l);
        let Some(pos) = l.find(['=', ':']) else {
            continue;
        };
        let name = l[..pos].trim_end_matches(['?', ':', '+', ' ']).trim();
        let upper = name.to_ascii_uppercase();
        // (`target:` in YAML is a build's own input, read with the build.)
        let yaml_own = !yaml_target_keys
            && l.as_bytes()[pos] == b':'
            && (upper == "TARGET" || upper == "TARGETS");
        let named = !name.is_empty()
            && !yaml_own
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && (upper.ends_with("TARGET") || upper.ends_with("TARGETS"));
        if !named {
            continue;
        }
        let value = l[pos..].trim_start_matches(['=', ':']).trim();
        let value = value.split('#').next().unwrap_or("");
        for w in value.split([' ', ',', '\t']) {
            if let Some(v) = literal(w) {
                out.push((v, line_no));
            }
        }
    }
    out
}
