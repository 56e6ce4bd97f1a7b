//! `docker build`, `docker buildx build`, `buildctl` and `bake` command
//! lines in Makefiles and shell scripts.

use super::*;

/// Split a command line into words, honouring quotes; `$(...)`, `${...}`
/// and backquoted commands stay whole, inside the word they are part of.
pub(super) fn shell_words(line: &str) -> Vec<String> {
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
pub(super) fn simple_commands(line: &str, depth: usize, out: &mut Vec<String>) {
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
pub(super) const VALUE_FLAGS: &[&str] = &[
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
pub(super) fn logical_lines(text: &str) -> Vec<(usize, String)> {
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
pub(super) fn is_build_tool(word: &str) -> bool {
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

pub(super) fn build_command(words: &[String], line: usize) -> Option<BuildRef> {
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
