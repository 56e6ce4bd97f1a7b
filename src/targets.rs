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
    /// Where: `path:line`.
    pub origin: String,
}

/// A value that holds a variable rdock cannot know (`${TAG}`, `$(TARGET)`).
fn dynamic(s: &str) -> bool {
    s.contains('$')
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
        let t = resolve_bake(name, &targets, 0);
        if t.target.as_deref().is_some_and(dynamic) || t.dockerfile.as_deref().is_some_and(dynamic)
        {
            continue;
        }
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
                hcl::Expression::TemplateExpr(_) => Some("$".to_string()),
                _ => None,
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
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
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
        if target.as_deref().is_some_and(dynamic) || dockerfile.as_deref().is_some_and(dynamic) {
            continue;
        }
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

/// GitHub workflows: `docker/build-push-action` steps (`target:`, `file:`,
/// `context:`) and `docker build` commands in `run:` steps.
pub fn parse_workflow(text: &str) -> Result<Vec<BuildRef>, String> {
    let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let Some(jobs) = v.get("jobs").and_then(|j| j.as_mapping()) else {
        return Ok(out);
    };
    let mut cursor = 1;
    for (_, job) in jobs {
        let Some(steps) = job.get("steps").and_then(|s| s.as_sequence()) else {
            continue;
        };
        for step in steps {
            if let Some(uses) = yaml_str(step, "uses") {
                if !uses.starts_with("docker/build-push-action") {
                    continue;
                }
                let with = step.get("with");
                let get = |k: &str| with.and_then(|w| yaml_str(w, k));
                let (target, file, context) = (get("target"), get("file"), get("context"));
                let uses_line = line_of(text, cursor, &[&uses]).unwrap_or(cursor);
                cursor = uses_line + 1;
                if target.as_deref().is_some_and(dynamic) || file.as_deref().is_some_and(dynamic) {
                    continue;
                }
                let line = match &target {
                    Some(t) => line_of(text, uses_line, &["target:", t]).unwrap_or(uses_line),
                    None => uses_line,
                };
                out.push(BuildRef {
                    target,
                    context,
                    dockerfile: match file {
                        Some(f) => DockerfilePath::FromCwd(f),
                        None => DockerfilePath::Default,
                    },
                    line,
                    kind: SourceKind::Workflow,
                });
            } else if let Some(run) = yaml_str(step, "run") {
                let first = run.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                let start = line_of(text, cursor, &[first.trim()]).unwrap_or(cursor);
                for mut b in parse_script(&run) {
                    let needle = run.lines().nth(b.line - 1).unwrap_or("").trim().to_string();
                    b.line = line_of(text, start, &[&needle]).unwrap_or(start);
                    b.kind = SourceKind::Workflow;
                    out.push(b);
                }
                cursor = start + 1;
            }
        }
    }
    Ok(out)
}

/// Split a command line into words, honouring quotes.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    has = true;
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
    }
    if has || !cur.is_empty() {
        words.push(cur);
    }
    words
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

/// Commands in `text` (a Makefile, a shell script, a `run:` block) that
/// build an image: `docker build`, `docker buildx build`, `docker image
/// build`, `podman build`, `buildctl build`.
pub fn parse_script(text: &str) -> Vec<BuildRef> {
    let mut out = Vec::new();
    // Join continuation lines, remembering where each logical line starts.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        let trimmed = raw.trim_end();
        if let Some(head) = trimmed.strip_suffix('\\') {
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
    for (line, text) in logical {
        if text.trim_start().starts_with('#') {
            continue;
        }
        for command in text.split(['&', '|', ';', '(', ')', '`']) {
            if let Some(b) = build_command(&shell_words(command), line) {
                out.push(b);
            }
        }
    }
    out
}

fn build_command(words: &[String], line: usize) -> Option<BuildRef> {
    let is_tool = |w: &str, tool: &str| {
        let w = w.to_ascii_lowercase();
        w == tool
            || w.ends_with(&format!("/{tool}"))
            || w == format!("$({})", tool.to_ascii_uppercase())
            || w == format!("${{{}}}", tool.to_ascii_uppercase())
    };
    let start = words
        .iter()
        .position(|w| is_tool(w, "docker") || is_tool(w, "podman") || is_tool(w, "buildctl"))?;
    let tool = words[start].to_ascii_lowercase();
    let rest = &words[start + 1..];
    let skip = match rest {
        [a, b, ..] if a == "buildx" && (b == "build" || b == "b") => 2,
        [a, b, ..] if a == "image" && b == "build" => 2,
        [a, ..] if a == "build" => 1,
        _ => return None,
    };
    let args = &rest[skip..];
    let buildctl = tool.contains("buildctl");
    let mut target = None;
    let mut file = None;
    let mut context = None;
    let mut dockerfile_dir = None;
    let mut filename = None;
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
        } else if context.is_none() && !buildctl {
            context = Some(a.to_string());
        }
        i += 1;
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
    if target.as_deref().is_some_and(dynamic)
        || file.as_deref().is_some_and(dynamic)
        || file.as_deref() == Some("-")
    {
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
        assert_eq!(b.len(), 3, "{b:?}");
        assert_eq!(b[0].target.as_deref(), Some("test"));
        assert_eq!(
            b[0].dockerfile,
            DockerfilePath::FromCwd("build/Dockerfile".into())
        );
        assert_eq!(b[0].context.as_deref(), Some("."));
        assert_eq!(b[0].line, 2);
        assert_eq!(b[1].target.as_deref(), Some("lint"));
        assert_eq!(
            b[1].dockerfile,
            DockerfilePath::FromCwd("ci/Dockerfile".into())
        );
        assert_eq!(b[1].line, 6);
        assert_eq!(b[2].target.as_deref(), Some("dev"));
        assert_eq!(b[2].context.as_deref(), Some("ctx"));
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
