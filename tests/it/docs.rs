//! Rule docs and the README agree with the code. `RDOCK_UPDATE_DOCS=1`
//! rewrites the generated parts instead of failing.

use crate::common;

use std::path::Path;

use rdock::rules::{self, doc_header, FixAvailability, RuleMeta, GENERATED_BEGIN, GENERATED_END};
use rdock::settings::{Overrides, Settings};

fn update() -> bool {
    std::env::var("RDOCK_UPDATE_DOCS").as_deref() == Ok("1")
}

/// Replace what stands between the markers; `None` when the markers are missing.
fn splice(text: &str, generated: &str) -> Option<String> {
    let b = text.find(GENERATED_BEGIN)? + GENERATED_BEGIN.len();
    let e = text[b..].find(GENERATED_END)? + b;
    Some(format!("{}{}{}", &text[..b], generated, &text[e..]))
}

fn check_generated(path: &Path, generated: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let want = splice(&text, generated)
        .ok_or_else(|| format!("{}: generated markers missing", path.display()))?;
    if want == text {
        return Ok(());
    }
    if update() {
        std::fs::write(path, want).map_err(|e| e.to_string())?;
        return Ok(());
    }
    Err(format!(
        "{} is out of date with the code; run `RDOCK_UPDATE_DOCS=1 cargo test --test it docs::`",
        path.display()
    ))
}

#[test]
fn every_rule_has_a_doc_with_a_current_header() {
    let mut errors = Vec::new();
    for m in rules::metas() {
        let path = common::root().join(format!("rules/{}.md", m.slug));
        if let Err(e) = check_generated(&path, &doc_header(m)) {
            errors.push(e);
        }
        let doc = m.doc;
        if !doc.starts_with(&format!("# {} ({})\n", m.slug, m.id)) {
            errors.push(format!(
                "{}: the title must be `# {} ({})`",
                m.slug, m.slug, m.id
            ));
        }
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
        ] {
            if !doc.contains(section) {
                errors.push(format!("{}: missing `{section}`", m.slug));
            }
        }
        if m.fix != FixAvailability::None && !doc.contains("## Fix safety") {
            errors.push(format!(
                "{}: has a fix but no `## Fix safety` section",
                m.slug
            ));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn no_doc_without_a_rule() {
    for entry in std::fs::read_dir(common::root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let slug = path.file_stem().unwrap().to_string_lossy().to_string();
            assert!(
                rules::lookup(&slug).is_some(),
                "rules/{slug}.md documents no rule"
            );
        }
    }
}

#[test]
fn ids_and_slugs_are_unique_and_well_formed() {
    let metas: Vec<&RuleMeta> = rules::metas().collect();
    for (i, m) in metas.iter().enumerate() {
        assert!(
            m.id.len() == 5
                && m.id.starts_with("RD")
                && m.id[2..].chars().all(|c| c.is_ascii_digit()),
            "{}",
            m.id
        );
        assert!(
            m.slug.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            m.slug
        );
        assert_eq!(rules::lookup(m.id).map(|x| x.slug), Some(m.slug));
        assert_eq!(rules::lookup(m.slug).map(|x| x.id), Some(m.id));
        for other in &metas[i + 1..] {
            assert_ne!(m.id, other.id);
            assert_ne!(m.slug, other.slug);
        }
        if i > 0 {
            assert!(metas[i - 1].id < m.id, "the registry is in id order");
        }
    }
}

/// Code blocks of a doc's Example section: (the example, the "Use instead" block).
fn examples(doc: &str) -> (String, Option<String>, Option<String>) {
    let ex = &doc[doc.find("## Example").expect("example section")..];
    let target = ex
        .find("<!-- example-target: ")
        .map(|i| ex[i + 21..].split(" -->").next().unwrap_or("").to_string());
    let blocks: Vec<String> = ex
        .split("```dockerfile\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or("").to_string())
        .collect();
    (blocks[0].clone(), blocks.get(1).cloned(), target)
}

#[test]
fn doc_examples_trigger_their_rule_and_the_fixed_version_does_not() {
    for m in rules::metas() {
        let (bad, good, target) = examples(m.doc);
        let overrides = Overrides {
            select: Some(vec![m.id.to_string()]),
            targets: target.into_iter().collect(),
            ..Overrides::default()
        };
        let mut settings = Settings::resolve(None, &overrides);
        // `<!-- example-dockerignore: PATTERN -->`: the example's .dockerignore.
        if let Some(i) = m.doc.find("<!-- example-dockerignore: ") {
            let pattern = m.doc[i + 27..].split(" -->").next().unwrap_or("");
            settings.build.dockerignore = Some(std::sync::Arc::new(
                rdock::workspace::dockerignore::Dockerignore::parse(".dockerignore", pattern),
            ));
        }
        // `<!-- example-allowed-registries: A B -->`: the example's `allowed-registries`.
        if let Some(i) = m.doc.find("<!-- example-allowed-registries: ") {
            let list = m.doc[i + 33..].split(" -->").next().unwrap_or("");
            settings.build.allowed_registries = list.split_whitespace().map(String::from).collect();
        }
        let found = rdock::check(&bad, &settings);
        assert!(
            found.iter().any(|d| d.code == m.id),
            "{}: the example does not trigger it",
            m.slug
        );
        if let Some(good) = good {
            let found = rdock::check(&good, &settings);
            assert!(
                !found.iter().any(|d| d.code == m.id),
                "{}: the `Use instead` example still triggers it: {:?}",
                m.slug,
                found
            );
        }
    }
}

#[test]
fn readme_rule_table_is_current() {
    if let Err(e) = check_generated(&common::root().join("README.md"), &rules::readme_table()) {
        panic!("{e}");
    }
}

/// The `$ rdock lint ...` sessions shown in the README are what rdock prints
/// today (stdout, then stderr's summary, run from the repository root).
#[test]
fn readme_lint_sessions_are_current() {
    let path = common::root().join("README.md");
    let text = std::fs::read_to_string(&path).expect("read README.md");
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut stale = Vec::new();
    while let Some(start) = rest.find("```console\n$ rdock lint ") {
        let body_start = start + "```console\n".len();
        let Some(len) = rest[body_start..].find("\n```\n") else {
            break;
        };
        let block = &rest[body_start..body_start + len + 1];
        let (command, shown) = block.split_once('\n').unwrap_or((block, ""));
        let args: Vec<&str> = command
            .trim_start_matches("$ rdock ")
            .split_whitespace()
            .collect();
        let run = assert_cmd::cargo::cargo_bin_cmd!("rdock")
            .current_dir(common::root())
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run rdock");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        let printed: String = printed
            .lines()
            .map(|l| l.trim_end().to_string() + "\n")
            .collect();
        let shown_trimmed: String = shown
            .lines()
            .map(|l| l.trim_end().to_string() + "\n")
            .collect();
        if printed != shown_trimmed {
            stale.push(command.to_string());
        }
        out.push_str(&rest[..body_start]);
        out.push_str(command);
        out.push('\n');
        out.push_str(&printed);
        rest = &rest[body_start + len + 1..];
    }
    out.push_str(rest);
    if stale.is_empty() {
        return;
    }
    if update() {
        std::fs::write(&path, out).expect("write README.md");
        return;
    }
    panic!(
        "README.md shows stale output for {stale:?}; run `RDOCK_UPDATE_DOCS=1 cargo test --test it docs::`"
    );
}

/// The source files of `src/`, with their module path (`lsp::server`).
fn source_modules() -> Vec<(String, Vec<String>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&root).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                let shown = p.strip_prefix(root.parent().unwrap()).unwrap();
                out.push((
                    shown.display().to_string(),
                    parts,
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Where the code is easy to find its way in: no source file over 1,000
/// lines (ARCHITECTURE.md: split a file by what its parts do).
#[test]
fn no_source_file_is_over_a_thousand_lines() {
    let long: Vec<String> = source_modules()
        .into_iter()
        .filter(|(_, _, text)| text.lines().count() > 1000)
        .map(|(path, _, text)| format!("{path}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// The code of a source file that the import rules look at: not a test
/// file, and without its inline tests and comments.
fn code_of(parts: &[String], text: &str) -> Option<String> {
    if parts.iter().any(|p| p == "tests" || p.ends_with("_tests")) {
        return None;
    }
    let code = text
        .split("\n#[cfg(test)]\nmod tests {")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    Some(code)
}

/// The core: what `check` runs, from the text to the findings and fixes.
const CORE: [&str; 12] = [
    "text",
    "syntax",
    "shell",
    "model",
    "graph",
    "rules",
    "parallel",
    "suppress",
    "fix",
    "diagnostic",
    "check",
    "analysis",
];

/// The layering (ARCHITECTURE.md, "Invariants"), beyond the DAG: what a
/// module may import (`crate::a` or `crate::a::b`), as a test of each path.
fn layering_allows(from: &str, to: &[&str]) -> Result<(), &'static str> {
    let front_ends = ["cli", "lsp", "render", "session", "verify", "exec"];
    match (from, to) {
        // TOML in, a typed `Config` out: what a file names that config does
        // not define (rule selectors, command models) comes in through
        // `config::Vocabulary`.
        ("config", [to, ..]) if !["diagnostic", "text"].contains(to) => Err(
            "config reads TOML into a Config and imports only `diagnostic` and `text` (the rules and the command models come in through `config::Vocabulary`)",
        ),
        ("syntax", [to, ..]) if *to != "text" => {
            Err("syntax knows nothing about rules, settings or output")
        }
        (from, [to, ..]) if CORE.contains(&from) && front_ends.contains(to) => {
            Err("the core does not know its front-ends")
        }
        // The core does no I/O: of the I/O folder it reads only the parsers.
        (from, ["workspace", rest @ ..])
            if CORE.contains(&from) && !matches!(rest, ["targets" | "dockerignore", ..]) =>
        {
            Err("the core reads only `workspace::targets` and `workspace::dockerignore` (parsers, no I/O)")
        }
        _ => Ok(()),
    }
}

#[test]
fn modules_keep_their_layers() {
    let path_re = regex::Regex::new(r"crate::([a-z_]+)(?:::([a-z_]+))?").unwrap();
    let mut broken = Vec::new();
    for (shown, parts, text) in source_modules() {
        let Some(code) = code_of(&parts, &text) else {
            continue;
        };
        let me = parts.first().cloned().unwrap_or_default();
        for c in path_re.captures_iter(&code) {
            let to: Vec<&str> = [c.get(1), c.get(2)]
                .into_iter()
                .flatten()
                .map(|m| m.as_str())
                .collect();
            if to[0] == me {
                continue;
            }
            if let Err(why) = layering_allows(&me, &to) {
                broken.push(format!("{shown}: crate::{}: {why}", to.join("::")));
            }
        }
    }
    broken.dedup();
    assert!(broken.is_empty(), "imports across layers: {broken:#?}");
}

/// The modules form a DAG (ARCHITECTURE.md, "Invariants"): among the
/// top-level modules of `src/`, and among the files of each folder, no
/// two reach each other through `crate::`/`super::` paths (tests left out).
#[test]
fn modules_import_each_other_without_circles() {
    let path_re = regex::Regex::new(r"crate::([a-z_]+)(?:::([a-z_]+))?").unwrap();
    let super_re = regex::Regex::new(r"\bsuper::([a-z_]+)").unwrap();
    let modules = source_modules();
    let is_module = |parts: &[String]| modules.iter().any(|(_, p, _)| p == parts);
    // Edges at two depths: `a -> b` between top-level modules, and
    // `a::x -> a::y` between the files of one folder.
    let mut edges: std::collections::BTreeSet<(String, String)> = Default::default();
    for (_, parts, text) in &modules {
        let Some(code) = code_of(parts, text) else {
            continue;
        };
        let me = parts.first().cloned().unwrap_or_default();
        let mut add = |from: String, to: String| {
            if from != to {
                edges.insert((from, to));
            }
        };
        for c in path_re.captures_iter(&code) {
            let top = c[1].to_string();
            add(me.clone(), top.clone());
            if let (Some(sub), Some(mine)) = (c.get(2), parts.get(1)) {
                let target = vec![top.clone(), sub.as_str().to_string()];
                if top == me && is_module(&target) {
                    add(format!("{me}::{mine}"), target.join("::"));
                }
            }
        }
        if parts.len() == 2 {
            for c in super_re.captures_iter(&code) {
                let target = vec![me.clone(), c[1].to_string()];
                if is_module(&target) {
                    add(parts.join("::"), target.join("::"));
                }
            }
        }
    }
    let mut graph = petgraph::graph::DiGraph::<String, ()>::new();
    let mut index = std::collections::HashMap::new();
    for (a, b) in &edges {
        for n in [a, b] {
            if !index.contains_key(n) {
                index.insert(n.clone(), graph.add_node(n.clone()));
            }
        }
        graph.add_edge(index[a], index[b], ());
    }
    let circles: Vec<Vec<String>> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<String> = c.iter().map(|&n| graph[n].clone()).collect();
            names.sort();
            names
        })
        .collect();
    assert!(
        circles.is_empty(),
        "modules that import each other: {circles:?}"
    );
}
