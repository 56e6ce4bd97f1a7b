//! Build targets a repository really uses, read from the files that drive
//! its builds: `docker-bake.hcl`/`.json`, compose files, GitHub workflows,
//! Makefiles and shell scripts. Each parser takes the text of one file and
//! gives the builds it names; the caller (the CLI) walks the repository,
//! reads the files and resolves paths (the core does no I/O).

use std::collections::BTreeMap;

/// What kind of file a build was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Bake,
    Compose,
    Workflow,
    Script,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Bake => "bake",
            SourceKind::Compose => "compose",
            SourceKind::Workflow => "workflow",
            SourceKind::Script => "script",
        }
    }
}

/// How a build's Dockerfile path is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfilePath {
    /// Not given: `Dockerfile` in the context.
    Default,
    /// Relative to the context (bake `dockerfile`, compose `build.dockerfile`).
    InContext(String),
    /// Relative to the working directory (`docker build -f`, build-push-action `file:`).
    FromCwd(String),
}

/// One build found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRef {
    /// The stage built; `None` builds the last stage.
    pub target: Option<String>,
    /// The build context as written (`None`: `.`).
    pub context: Option<String>,
    pub dockerfile: DockerfilePath,
    /// 1-based line of the build in the file.
    pub line: usize,
    pub kind: SourceKind,
}

/// A build of one Dockerfile found in the repository, for the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTarget {
    /// The stage built; `None` for a build without a target (the last stage).
    pub name: Option<String>,
    /// A stage name the repository hands to a build rdock cannot follow
    /// ([`target_hints`]): the stage may be built. Such an entry has no
    /// `name`, so that it counts for RD101 only, not as a sure target.
    pub hint: Option<String>,
    /// Where: `path:line`.
    pub origin: String,
}

/// A piece of a value as written: text, or a variable rdock cannot know.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// `$X`, `${X}`, `${X:-d}`, `$(X)`, `$(cmd ...)`, `$*`, `$1`,
    /// `${{ matrix.x }}`, a glob `*`: any text, empty included.
    Any,
}

/// The end (exclusive, in bytes) of a bracketed group opening at `open`
/// (`(` or `{`), nested groups and quotes included; the text's length when
/// it is not closed.
fn group_end(s: &str, open: usize) -> usize {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = open;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' if depth > 0 => quote = Some(c),
                b'(' | b'{' => depth += 1,
                b')' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    b.len()
}

fn pieces(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    let any = |out: &mut Vec<Piece>, text: &mut String| {
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(text)));
        }
        if out.last() != Some(&Piece::Any) {
            out.push(Piece::Any);
        }
    };
    while i < b.len() {
        match b[i] {
            b'*' => {
                any(&mut out, &mut text);
                i += 1;
            }
            // A template: `{{.TARGET}}` (Taskfile, Helm), `{{ target }}` (Jinja).
            b'{' if b.get(i + 1) == Some(&b'{') => {
                any(&mut out, &mut text);
                i = s[i..].find("}}").map_or(b.len(), |e| i + e + 2);
            }
            b'$' => {
                // `$$` is make's escape for `$`.
                let mut j = i + 1;
                if b.get(j) == Some(&b'$') {
                    j += 1;
                }
                match b.get(j) {
                    Some(b'(' | b'{') => {
                        any(&mut out, &mut text);
                        i = group_end(s, j);
                    }
                    Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => {
                        any(&mut out, &mut text);
                        i = j;
                        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                            i += 1;
                        }
                    }
                    Some(b'*' | b'@' | b'#' | b'?' | b'!' | b'<' | b'^') => {
                        any(&mut out, &mut text);
                        i = j + 1;
                    }
                    _ => {
                        text.push('$');
                        i += 1;
                    }
                }
            }
            _ => {
                let c = s[i..].chars().next().unwrap_or(' ');
                text.push(c);
                i += c.len_utf8();
            }
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// Whether a value holds a variable rdock cannot know (`${TAG}`,
/// `$(TARGET)`, `${{ matrix.target }}`) or a glob `*`: it is then a
/// pattern, each variable standing for any text.
pub fn is_pattern(s: &str) -> bool {
    pieces(s).contains(&Piece::Any)
}

/// Whether `name` is a value `pattern` could take, each variable in it
/// standing for any text (ASCII case ignored, as for stage names).
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    // The classic wildcard match (back to the last `*` on a mismatch):
    // linear in practice, never exponential however many variables.
    let pat: Vec<Option<char>> = pieces(pattern)
        .into_iter()
        .flat_map(|p| match p {
            Piece::Text(t) => t.chars().map(Some).collect::<Vec<_>>(),
            Piece::Any => vec![None],
        })
        .collect();
    let s: Vec<char> = name.chars().collect();
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match pat.get(p) {
            Some(Some(c)) if c.eq_ignore_ascii_case(&s[i]) => {
                p += 1;
                i += 1;
            }
            Some(None) => {
                star = Some((p, i));
                p += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(Option::is_none)
}

/// The 1-based line of the first line at or after `from` that contains all of `needles`.
fn line_of(text: &str, from: usize, needles: &[&str]) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| needles.iter().all(|n| l.contains(n)))
        .map(|(i, _)| i + 1)
}

#[derive(Debug, Clone, Default)]
struct BakeTarget {
    context: Option<String>,
    dockerfile: Option<String>,
    target: Option<String>,
    inherits: Vec<String>,
}

fn resolve_bake(name: &str, all: &BTreeMap<String, BakeTarget>, depth: usize) -> BakeTarget {
    let Some(t) = all.get(name) else {
        return BakeTarget::default();
    };
    let mut out = BakeTarget::default();
    if depth < 16 {
        for parent in &t.inherits {
            let p = resolve_bake(parent, all, depth + 1);
            out.context = p.context.or(out.context);
            out.dockerfile = p.dockerfile.or(out.dockerfile);
            out.target = p.target.or(out.target);
        }
    }
    out.context = t.context.clone().or(out.context);
    out.dockerfile = t.dockerfile.clone().or(out.dockerfile);
    out.target = t.target.clone().or(out.target);
    out
}

fn bake_refs(text: &str, targets: BTreeMap<String, BakeTarget>) -> Vec<BuildRef> {
    let mut out = Vec::new();
    for name in targets.keys() {
        // A target or Dockerfile holding a variable (a `matrix`, a
        // `variable`) stays, as a pattern.
        let t = resolve_bake(name, &targets, 0);
        // Targets that only serve as parents still build when named; list them all.
        let line = line_of(text, 1, &[&format!("target \"{name}\"")])
            .or_else(|| line_of(text, 1, &[&format!("\"{name}\":")]))
            .or_else(|| line_of(text, 1, &[&format!("\"{name}\"")]))
            .unwrap_or(1);
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
    out
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
    Ok(bake_refs(text, targets))
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
    Ok(bake_refs(text, targets))
}

fn yaml_str(v: &serde_yaml_ng::Value, key: &str) -> Option<String> {
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
fn matrix_values(job: &serde_yaml_ng::Value, key: &str) -> Vec<String> {
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
fn expand_matrix(value: &str, job: &serde_yaml_ng::Value) -> Vec<String> {
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
fn is_build_action(uses: &str, with: Option<&serde_yaml_ng::Value>) -> bool {
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

/// Split a command line into words, honouring quotes; `$(...)`, `${...}`
/// and backquoted commands stay whole, inside the word they are part of.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < line.len() {
        let c = line[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (q, '$')
                if q != Some('\'') && matches!(line.as_bytes().get(i + 1), Some(b'(' | b'{')) =>
            {
                let end = group_end(line, i + 1);
                cur.push_str(&line[i..end]);
                i = end;
                continue;
            }
            (_, '{') if line[i..].starts_with("{{") => {
                let end = line[i..].find("}}").map_or(line.len(), |e| i + e + 2);
                cur.push_str(&line[i..end]);
                i = end;
                continue;
            }
            (None, '`') => {
                let end = line[i + 1..]
                    .find('`')
                    .map_or(line.len(), |e| i + 1 + e + 1);
                cur.push_str(&line[i..end]);
                i = end;
                continue;
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, '\\') => {
                if let Some(n) = line[i + 1..].chars().next() {
                    cur.push(n);
                    has = true;
                    i += n.len_utf8();
                }
            }
            (None, c) if c.is_whitespace() => {
                if has || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => cur.push(c),
        }
        i += len;
    }
    if has || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Split a logical line into simple commands at `;`, `&`, `|`, `(` and `)`
/// outside quotes and `$(...)`/`${...}`; the commands inside `$(...)` and
/// backquotes come too (`ID=$(docker build -q .)`).
fn simple_commands(line: &str, depth: usize, out: &mut Vec<String>) {
    let b = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(b'\'') => {}
            _ if c == b'$' && matches!(b.get(i + 1), Some(b'(' | b'{')) => {
                let end = group_end(line, i + 1);
                if b[i + 1] == b'(' && depth < 4 && end > i + 2 {
                    simple_commands(&line[i + 2..end - 1], depth + 1, out);
                }
                i = end;
                continue;
            }
            _ if c == b'{' && b.get(i + 1) == Some(&b'{') => {
                i = line[i..].find("}}").map_or(line.len(), |e| i + e + 2);
                continue;
            }
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'\\' => i += 1,
                b'`' => {
                    let end = line[i + 1..].find('`').map_or(line.len(), |e| i + 1 + e);
                    if depth < 4 {
                        simple_commands(&line[i + 1..end], depth + 1, out);
                    }
                    i = end + 1;
                    continue;
                }
                b';' | b'&' | b'|' | b'(' | b')' => {
                    out.push(line[start..i].to_string());
                    start = i + 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    if start < line.len() {
        out.push(line[start..].to_string());
    }
}

/// `docker build` flags that take a value (the next word when not `--flag=value`).
const VALUE_FLAGS: &[&str] = &[
    "-t",
    "--tag",
    "-f",
    "--file",
    "--target",
    "--build-arg",
    "--platform",
    "--label",
    "--cache-from",
    "--cache-to",
    "--secret",
    "--ssh",
    "-o",
    "--output",
    "--network",
    "--progress",
    "--iidfile",
    "--builder",
    "--build-context",
    "--add-host",
    "--shm-size",
    "--ulimit",
    "--metadata-file",
    "--attest",
    "--allow",
    "--annotation",
    "--call",
    "--cgroup-parent",
    "-m",
    "--memory",
    "--memory-swap",
    "--cpu-shares",
    "--cpu-period",
    "--cpu-quota",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--isolation",
    "--security-opt",
    "--sbom",
    "--provenance",
    "--opt",
    "--local",
    "--frontend",
    "--exporter",
    "--export-cache",
    "--import-cache",
    "--registry-auth-tlscontext",
    "--addr",
];

/// The logical lines of a script: continuation lines joined, and a YAML
/// folded block as one line; with the 1-based line each starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    // Join continuation lines, remembering where each logical line starts.
    // A YAML folded block (`- >`, `cmd: >-`: a Taskfile, a CI file) is one
    // line too: its lines, indented deeper than the key, joined by spaces.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut folded: Option<(usize, usize, String)> = None;
    let indent = |l: &str| l.len() - l.trim_start().len();
    for (i, raw) in text.lines().enumerate() {
        if let Some((start, depth, mut acc)) = folded.take() {
            if raw.trim().is_empty() || indent(raw) > depth {
                acc.push(' ');
                acc.push_str(raw.trim());
                folded = Some((start, depth, acc));
                continue;
            }
            logical.push((start, acc));
        }
        let t = raw.trim_end();
        if pending.is_none()
            && [">", ">-", ">+"]
                .iter()
                .any(|m| t.ends_with(&format!(" {m}")))
            && (t.trim_start().starts_with("- ") || t.contains(": "))
        {
            folded = Some((i + 2, indent(raw), String::new()));
            continue;
        }
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        let trimmed = raw.trim_end();
        // `\` continues a shell line, a backquote a PowerShell one.
        if let Some(head) = trimmed
            .strip_suffix('\\')
            .or_else(|| trimmed.strip_suffix(" `"))
        {
            acc.push_str(head);
            acc.push(' ');
            pending = Some((start, acc));
        } else {
            acc.push_str(trimmed);
            logical.push((start, acc));
        }
    }
    if let Some(p) = pending {
        logical.push(p);
    }
    if let Some((start, _, acc)) = folded {
        logical.push((start, acc));
    }
    logical
}

/// Commands in `text` (a Makefile, a shell script, a `run:` block) that
/// build an image: `docker build`, `docker buildx build`, `docker image
/// build`, `podman build`, `buildctl build`.
pub fn parse_script(text: &str) -> Vec<BuildRef> {
    let mut out = Vec::new();
    let logical = logical_lines(text);
    for (line, text) in logical {
        if text.trim_start().starts_with('#') {
            continue;
        }
        let mut commands = Vec::new();
        simple_commands(&text, 0, &mut commands);
        // `cd services/api && docker build .`: the folder the build runs in.
        let mut cd: Option<String> = None;
        let mut i = 0;
        while i < commands.len() {
            let words = shell_words(&commands[i]);
            match words.first().map(|w| w.trim_start_matches(['@', '-', '+'])) {
                Some("cd" | "pushd") => {
                    if let Some(dir) = words.get(1).filter(|d| !d.starts_with('-')) {
                        cd = Some(match (&cd, dir.starts_with('/')) {
                            (Some(prev), false) => format!("{prev}/{dir}"),
                            _ => dir.clone(),
                        });
                    }
                }
                Some("popd") => cd = None,
                _ => {}
            }
            if let Some(mut b) = build_command(&words, line) {
                if let Some(dir) = &cd {
                    let join = |p: &str| {
                        if p.starts_with('/') {
                            p.to_string()
                        } else {
                            format!("{dir}/{p}")
                        }
                    };
                    b.context = Some(join(b.context.as_deref().unwrap_or(".")));
                    if let DockerfilePath::FromCwd(f) = &b.dockerfile {
                        b.dockerfile = DockerfilePath::FromCwd(join(f));
                    }
                }
                out.push(b);
            }
            // A command given as one quoted word: `sh -c "docker build ..."`.
            if commands.len() < 256 {
                for w in &words {
                    // (Command substitutions were split out already.)
                    if w.contains(char::is_whitespace)
                        && w.contains("build")
                        && !w.contains("$(")
                        && !w.contains('`')
                    {
                        simple_commands(w, 3, &mut commands);
                    }
                }
            }
            i += 1;
        }
    }
    out
}

/// Whether a word runs a build tool: `docker`, `/usr/bin/podman`,
/// `@docker` (a Makefile recipe), or a variable that names one
/// (`$(DOCKER)`, `${CONTAINER_ENGINE}`, `$(CONTAINER_TOOL)`).
fn is_build_tool(word: &str) -> bool {
    let w = word
        .trim_start_matches(['@', '-', '+'])
        .to_ascii_lowercase();
    let base = w.rsplit('/').next().unwrap_or(&w);
    if ["docker", "podman", "buildctl", "nerdctl", "buildah"].contains(&base) {
        return true;
    }
    let inner = w
        .strip_prefix("$(")
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| w.strip_prefix("${").and_then(|r| r.strip_suffix('}')))
        .or_else(|| w.strip_prefix('$'));
    inner.is_some_and(|v| {
        v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && ["docker", "podman", "container", "engine", "buildah", "oci"]
                .iter()
                .any(|t| v.contains(t))
    })
}

fn build_command(words: &[String], line: usize) -> Option<BuildRef> {
    let skip_of = |rest: &[String]| match rest {
        // `docker buildx --builder x build`: buildx's own flags first.
        [a, ..] if a == "buildx" => {
            let mut k = 1;
            while rest.get(k).is_some_and(|w| w.starts_with('-')) {
                k += if rest[k] == "--builder" { 2 } else { 1 };
            }
            rest.get(k)
                .is_some_and(|w| w == "build" || w == "b")
                .then_some(k + 1)
        }
        [a, b, ..] if a == "image" && b == "build" => Some(2),
        [a, ..] if a == "build" || a == "bud" => Some(1),
        _ => None,
    };
    let (start, skip) = words
        .iter()
        .enumerate()
        .filter(|(_, w)| is_build_tool(w))
        .find_map(|(i, _)| skip_of(&words[i + 1..]).map(|k| (i, k)))?;
    let tool = words[start].to_ascii_lowercase();
    let rest = &words[start + 1..];
    let args = &rest[skip..];
    let buildctl = tool.contains("buildctl");
    let mut target = None;
    let mut file = None;
    let mut context = None;
    let mut dockerfile_dir = None;
    let mut filename = None;
    let mut positional: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
            _ => (a, None),
        };
        if flag.starts_with('-') && flag.len() > 1 {
            let takes = VALUE_FLAGS.contains(&flag);
            let value = match inline {
                Some(v) => Some(v),
                None if takes => {
                    i += 1;
                    args.get(i).cloned()
                }
                None => None,
            };
            match (flag, value) {
                ("--target", Some(v)) => target = Some(v),
                ("-f" | "--file", Some(v)) => file = Some(v),
                ("--opt", Some(v)) => {
                    if let Some(t) = v.strip_prefix("target=") {
                        target = Some(t.to_string());
                    } else if let Some(f) = v.strip_prefix("filename=") {
                        filename = Some(f.to_string());
                    }
                }
                ("--local", Some(v)) => {
                    if let Some(d) = v.strip_prefix("dockerfile=") {
                        dockerfile_dir = Some(d.to_string());
                    } else if let Some(c) = v.strip_prefix("context=") {
                        context = Some(c.to_string());
                    }
                }
                _ => {}
            }
        } else if a.starts_with(['>', '<']) || a.ends_with(['>', '<']) {
            // A redirection (`> log`, `2>`): its file is no context.
            if a.ends_with(['>', '<']) {
                i += 1;
            }
        } else if !buildctl && !a.starts_with("{{") {
            // (`{{if .X}}--flag{{end}}`: a template around a flag.)
            positional.push(a.to_string());
        }
        i += 1;
    }
    // One positional word is the context; with more, a variable among them
    // may hold flags (`"$BUILD_FLAGS" .`): the last plain word wins.
    if context.is_none() {
        context = positional
            .iter()
            .rev()
            .find(|w| !is_pattern(w))
            .or(positional.last())
            .cloned();
    }
    if buildctl {
        let dir = dockerfile_dir.or_else(|| context.clone());
        file = Some(match dir {
            Some(d) => format!(
                "{}/{}",
                d.trim_end_matches('/'),
                filename.unwrap_or_else(|| "Dockerfile".into())
            ),
            None => filename.unwrap_or_else(|| "Dockerfile".into()),
        });
    }
    // A target or file holding a variable stays, as a pattern: the build
    // builds some stage (of some Dockerfile) that matches it.
    if file.as_deref() == Some("-") {
        return None;
    }
    Some(BuildRef {
        target,
        context,
        dockerfile: match file {
            Some(f) => DockerfilePath::FromCwd(f),
            None => DockerfilePath::Default,
        },
        line,
        kind: SourceKind::Script,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        let s = "build:\n\tdocker buildx build --target=test -f build/Dockerfile . \\\n\t  --load\n\t$(DOCKER) build --target \"$(T)\" .\n# docker build --target nope .\nbuildctl build --frontend dockerfile.v0 --local context=. --local dockerfile=ci --opt target=lint\npodman build -t x --target dev ctx && echo done\n";
        let b = parse_script(s);
        assert_eq!(b.len(), 4, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("test"));
        assert_eq!(
            b[0].dockerfile,
            DockerfilePath::FromCwd("build/Dockerfile".into())
        );
        assert_eq!(b[0].context.as_deref(), Some("."));
        assert_eq!(b[0].line, 2);
        // A target in a variable stays, as a pattern.
        assert_eq!(b[1].target.as_deref(), Some("$(T)"));
        assert_eq!(b[1].line, 4);
        assert_eq!(b[2].target.as_deref(), Some("lint"));
        assert_eq!(
            b[2].dockerfile,
            DockerfilePath::FromCwd("ci/Dockerfile".into())
        );
        assert_eq!(b[2].line, 6);
        assert_eq!(b[3].target.as_deref(), Some("dev"));
        assert_eq!(b[3].context.as_deref(), Some("ctx"));
    }

    #[test]
    fn variables_do_not_drop_a_build() {
        // `$(VAR)` anywhere on a Makefile line.
        let b = parse_script(
            "image:\n\t$(CONTAINER_ENGINE) build --build-arg=GOARCH=$(GOARCH) -t $(REGISTRY)/app:$(TAG) --target release -f build/Dockerfile .\n",
        );
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("release"));
        assert_eq!(
            b[0].dockerfile,
            DockerfilePath::FromCwd("build/Dockerfile".into())
        );
        // A command substitution before the target and file.
        let b = parse_script(
            "docker build --build-arg NOW=$(date +%s) --target test --file \"docker/Dockerfile.$2\" .\n",
        );
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("test"));
        assert_eq!(
            b[0].dockerfile,
            DockerfilePath::FromCwd("docker/Dockerfile.$2".into())
        );
        // Targets through variables, make's `$*`, recipes' `@`, `sh -c`.
        let b = parse_script(
            "build-%:\n\t@docker build --target $* .\nfor t in \"${targets[@]}\"; do docker buildx build --target \"$t\" .; done\nsh -c \"docker build --target lint .\"\nID=$(docker build -q --target=app .)\n",
        );
        let targets: Vec<_> = b.iter().map(|b| b.target.clone().unwrap()).collect();
        assert_eq!(targets, ["$*", "$t", "lint", "app"], "{b:?}");
        // A Taskfile's folded block with Go templates.
        let b = parse_script(
            "tasks:\n  build:\n    cmds:\n      - >\n        docker buildx build --builder=x\n        --file=build/{{.FILE}}.Dockerfile\n        {{if .PLATFORM}}--platform={{.PLATFORM}}{{end}}\n        --target={{.TARGET}}\n        .\n      - echo done\n",
        );
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("{{.TARGET}}"));
        assert_eq!(b[0].line, 5);
        assert_eq!(b[0].context.as_deref(), Some("."));
        assert!(pattern_matches(
            "build/{{.FILE}}.Dockerfile",
            "build/a.Dockerfile"
        ));
        // A `cd` before the build, on the same line.
        let b =
            parse_script("\tcd services/api && docker build -f Dockerfile.dev --target dev .\n");
        assert_eq!(b[0].context.as_deref(), Some("services/api/."));
        assert_eq!(
            b[0].dockerfile,
            DockerfilePath::FromCwd("services/api/Dockerfile.dev".into())
        );
        // buildx's own flags before `build`.
        let b = parse_script("docker buildx \\\n  --builder x \\\n  build --target main .\n");
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("main"));
        // Not builds: `go build`, `docker run`, `docker buildx create`.
        assert!(parse_script(
            "go build ./...\ndocker run --rm x build\ndocker buildx create --use\n"
        )
        .is_empty());
    }

    #[test]
    fn compose_merge_keys() {
        let yaml = "x-common: &common\n  build:\n    context: .\n    target: airflow\nservices:\n  web:\n    <<: *common\n    ports: [\"80:80\"]\n";
        let b = parse_compose(yaml).unwrap();
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("airflow"));
    }

    #[test]
    fn hints() {
        let text = "DOCKER_TARGET ?= slim\nARGS=\"--target debug\"\ntargets=(a b)\n    env:\n      BUILD_TARGET: tools\nTARGETARCH=amd64\ncargo build --target=$(T)\n# --target commented\n";
        let names: Vec<String> = target_hints(text, false).into_iter().map(|h| h.0).collect();
        assert_eq!(names, ["slim", "debug", "a", "b", "tools"]);
        // A build's own target, and a workflow step's `target:` input, are no hints.
        let text = "docker build \\\n  --target app .\n      with:\n        target: lint\n";
        assert!(target_hints(text, false).is_empty());
        // Cloud Build's list of args, Skaffold's `target:`, a Tiltfile.
        let text = "  args: ['build', '--target', 'prod', '.']\n    docker:\n      target: dev\ndocker_build('img', '.', target='tilt')\n";
        let names: Vec<String> = target_hints(text, true).into_iter().map(|h| h.0).collect();
        assert_eq!(names, ["prod", "dev", "tilt"]);
    }

    #[test]
    fn patterns() {
        assert!(is_pattern("$(TARGET)"));
        assert!(is_pattern("${{ matrix.target }}"));
        assert!(is_pattern("build-$ARCH"));
        assert!(!is_pattern("build"));
        assert!(!is_pattern("a$"));
        assert!(pattern_matches("${TARGETARCH}-base", "amd64-base"));
        assert!(pattern_matches("${TARGETARCH}-base", "-base"));
        assert!(!pattern_matches("${TARGETARCH}-base", "base"));
        assert!(pattern_matches("binaries-$TARGETOS", "Binaries-linux"));
        assert!(pattern_matches("${BASE:-debug}", "anything"));
        assert!(pattern_matches(
            "platform-${TARGETPLATFORM}",
            "platform-linux/amd64"
        ));
        assert!(pattern_matches("build-$(ARCH)-$(OS)", "build-arm64-linux"));
        assert!(!pattern_matches("build-$(ARCH)", "test-arm64"));
        assert!(pattern_matches(
            "docker/Dockerfile.$2",
            "docker/Dockerfile.alpine"
        ));
        assert!(pattern_matches("$$(DIR)/Dockerfile", "a/b/Dockerfile"));
        assert!(pattern_matches("a${x}b${y}c", "aXXbYYbZc"));
        assert!(!pattern_matches("a${x}b${y}c", "aXXbYYbZ"));
        // Many variables: no exponential backtracking.
        let many = "$a-".repeat(60);
        assert!(!pattern_matches(&format!("{many}x"), &"-".repeat(200)));
    }

    #[test]
    fn workflow_matrix_and_other_actions() {
        let wf = "jobs:\n  build:\n    strategy:\n      matrix:\n        target: [app, debug]\n        include:\n          - target: tools\n    steps:\n      - uses: docker/setup-buildx-action@v3\n      - uses: depot/build-push-action@v1\n        with:\n          file: build/Dockerfile\n          target: ${{ matrix.target }}\n      - uses: docker/build-push-action@v6\n        with:\n          target: ${{ matrix.unknown }}\n      - run: docker build --target ${{ matrix.target }}-test .\n";
        let b = parse_workflow(wf).unwrap();
        let targets: Vec<_> = b.iter().map(|b| b.target.clone().unwrap()).collect();
        assert_eq!(
            targets,
            [
                "app",
                "debug",
                "tools",
                "${{ matrix.unknown }}",
                "app-test",
                "debug-test",
                "tools-test"
            ],
            "{b:?}"
        );
        assert_eq!(
            b[0].dockerfile,
            DockerfilePath::FromCwd("build/Dockerfile".into())
        );
        // A composite action's steps.
        let action = "runs:\n  using: composite\n  steps:\n    - run: docker build --target ci .\n      shell: bash\n";
        let b = parse_workflow(action).unwrap();
        assert_eq!(b[0].target.as_deref(), Some("ci"));
    }

    #[test]
    fn bake_variables() {
        let hcl = "variable \"T\" { default = \"x\" }\ntarget \"all\" {\n  name = \"all-${tgt}\"\n  matrix = { tgt = [\"a\", \"b\"] }\n  target = \"${tgt}\"\n}\ntarget \"v\" {\n  target = T\n  dockerfile = \"docker/${T}.Dockerfile\"\n}\n";
        let b = parse_bake_hcl(hcl).unwrap();
        assert_eq!(b.len(), 2, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("${tgt}"));
        assert!(is_pattern(b[1].target.as_deref().unwrap()));
        assert_eq!(
            b[1].dockerfile,
            DockerfilePath::InContext("docker/${T}.Dockerfile".into())
        );
    }

    #[test]
    fn bake_inherits() {
        let hcl = "target \"_common\" {\n  dockerfile = \"build/Dockerfile\"\n}\ntarget \"test\" {\n  inherits = [\"_common\"]\n  target = \"test\"\n}\n";
        let b = parse_bake_hcl(hcl).unwrap();
        let test = b
            .iter()
            .find(|b| b.target.as_deref() == Some("test"))
            .unwrap();
        assert_eq!(
            test.dockerfile,
            DockerfilePath::InContext("build/Dockerfile".into())
        );
        assert_eq!(test.line, 4);
        assert!(parse_bake_hcl("target {").is_err());
    }
}
