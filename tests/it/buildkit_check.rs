//! rdock against BuildKit's own linter (`docker buildx build --call=check`,
//! engine 28.5 from `scripts/engine.sh`) over the shared corpus. Offline,
//! every image a file names (FROM, `COPY --from`, `--mount from=`, after ARG
//! defaults) is replaced by the local busybox image with
//! `--build-context NAME=docker-image://rdock-test/busybox:latest`, and
//! experimental checks are on (`BUILDKIT_DOCKERFILE_CHECK=experimental=all`).
//! For every rdock rule that names a BuildKit check, findings are compared on
//! file and instruction (both sides' positions are mapped to the first line
//! of the instruction that holds them). Every disagreement is sorted into a
//! class that says why; an unexplained one fails the test.
//!
//! CI checks a deterministic sample (every `RDOCK_BUILDKIT_EVERY`-th corpus
//! file, default 5) and keeps docs/buildkit-agreement.md current;
//! `scripts/buildkit-agreement.sh` runs the whole corpus and writes
//! docs/buildkit-agreement-full.md (`RDOCK_UPDATE_DOCS=1` regenerates both).
//! `RDOCK_BUILDKIT_FILES=LIST` checks only the files LIST names, and
//! `RDOCK_BUILDKIT_DUMP=FILE` writes every disagreement to FILE.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rdock::line_index::LineIndex;
use rdock::model::{BuildInputs, Model, RefTarget};
use rdock::rules;
use rdock::settings::{Overrides, Settings};
use rdock::syntax::Kind;
use serde_json::Value;

const STAND_IN: &str = "rdock-test/busybox:latest";
const DEFAULT_EVERY: usize = 5;

/// The variables of `scripts/engine.sh`'s environment file (none when DOCKER_HOST is already set).
fn engine_env() -> Vec<(String, String)> {
    common::engine_env(&["DOCKER_HOST"])
}

/// Why the engine cannot run `--call=check`, if it cannot.
fn engine_missing() -> Option<String> {
    let out = Command::new("docker")
        .args(["buildx", "build", "--help"])
        .envs(engine_env())
        .output();
    match out {
        Err(e) => return Some(format!("no `docker` on PATH ({e})")),
        Ok(o) if !String::from_utf8_lossy(&o.stdout).contains("--call") => {
            return Some("`docker buildx build` has no --call=check (needs buildx 0.15+)".into())
        }
        Ok(_) => {}
    }
    let ok = Command::new("docker")
        .args(["image", "inspect", STAND_IN])
        .envs(engine_env())
        .output()
        .is_ok_and(|o| o.status.success());
    (!ok).then(|| format!("no engine with the image `{STAND_IN}` answers"))
}

/// Every image name a file refers to (not stages, not scratch), as BuildKit
/// would look it up.
fn images(model: &Model<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in &model.references {
        if let RefTarget::Image(name) = &r.target {
            if valid_reference(name) {
                out.insert(name.clone());
            }
        }
    }
    out
}

/// Whether `name` is a well-formed image reference (`docker buildx` refuses a
/// build context named otherwise, and BuildKit could not pull it either):
/// a lower-case repository path, then an optional tag and digest.
fn valid_reference(name: &str) -> bool {
    let name = name.split('@').next().unwrap_or_default();
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
        None => (name, None),
    };
    let tag_ok = tag.is_none_or(|t| {
        !t.is_empty()
            && t.len() <= 128
            && !t.starts_with(['.', '-'])
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    });
    let repo_ok = !repo.is_empty()
        && !repo.starts_with(['.', '-', '/', '_', ':'])
        && !repo.ends_with(['.', '-', '/', '_', ':'])
        && repo
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/:".contains(c));
    tag_ok && repo_ok
}

/// The file as BuildKit gets it offline: a `# syntax=` directive would make
/// it fetch a frontend image from a registry, so it is replaced, on the same
/// line, by a directive that changes nothing (`# check=error=false`, or
/// `# escape=\` when the file already has a check directive); any other
/// line would end the directives and drop an `escape` that follows.
fn offline_text(text: &str) -> Result<String, String> {
    let directive = |line: &str| -> Option<String> {
        let rest = line.trim_start().strip_prefix('#')?;
        let (key, _) = rest.split_once('=')?;
        let key = key.trim();
        (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic()))
            .then(|| key.to_ascii_lowercase())
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let block: Vec<String> = lines.iter().map_while(|l| directive(l)).collect();
    let Some(at) = block.iter().position(|k| k == "syntax") else {
        return Ok(text.to_string());
    };
    let stand_in = if !block.iter().any(|k| k == "check") {
        "# check=error=false"
    } else if !block.iter().any(|k| k == "escape") {
        "# escape=\\"
    } else {
        return Err(
            "a `# syntax=` directive beside `check` and `escape` (needs a registry)".into(),
        );
    };
    let mut out = String::with_capacity(text.len());
    for (i, l) in lines.iter().enumerate() {
        if i == at {
            out.push_str(stand_in);
            out.push_str(if l.ends_with("\r\n") {
                "\r\n"
            } else if l.ends_with('\n') {
                "\n"
            } else {
                ""
            });
        } else {
            out.push_str(l);
        }
    }
    Ok(out)
}

/// The `BUILDKIT_DOCKERFILE_CHECK` value: experimental checks on, plus the
/// file's own `# check=` directive, which the build argument would otherwise
/// replace (rdock honours the directive).
fn check_setting(text: &str) -> String {
    let own = text
        .lines()
        .map_while(|l| {
            let rest = l.trim_start().strip_prefix('#')?;
            let (key, value) = rest.split_once('=')?;
            Some((key.trim().to_ascii_lowercase(), value.trim().to_string()))
        })
        .find(|(key, _)| key == "check")
        .map(|(_, value)| value);
    match own {
        Some(own) if own.contains("experimental") => own,
        Some(own) => format!("{own};experimental=all"),
        None => "experimental=all".into(),
    }
}

/// BuildKit's findings for one file: (check, first line), or why it could not check.
fn buildkit_check(
    path: &Path,
    images: &BTreeSet<String>,
    scratch: &Path,
) -> Result<Vec<(String, usize)>, String> {
    let ctx = scratch.join(
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    std::fs::create_dir_all(&ctx).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    std::fs::write(ctx.join("Dockerfile"), offline_text(&text)?).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("docker");
    cmd.args([
        "buildx",
        "build",
        "--call=check,format=json",
        "--progress=quiet",
    ])
    .arg("--build-arg")
    .arg(format!(
        "BUILDKIT_DOCKERFILE_CHECK={}",
        check_setting(&text)
    ))
    .envs(engine_env());
    for img in images {
        cmd.arg("--build-context")
            .arg(format!("{img}=docker-image://{STAND_IN}"));
    }
    cmd.arg("-f").arg(ctx.join("Dockerfile")).arg(&ctx);
    let out = cmd.output().map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&ctx);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A parse error: BuildKit prints the (empty) result, then `ERROR: ...`.
    let mut values = serde_json::Deserializer::from_str(&stdout).into_iter::<Value>();
    let first = values.next().and_then(Result::ok);
    let error = stdout[values.byte_offset()..]
        .lines()
        .chain(stderr.lines())
        .find(|l| l.starts_with("ERROR"))
        .map(|l| l.trim().to_string());
    let v = match (first, error) {
        (Some(v), None) => v,
        (_, Some(e)) => return Err(e),
        (None, None) => return Err("no JSON on stdout".into()),
    };
    let mut found = Vec::new();
    for w in v["warnings"].as_array().into_iter().flatten() {
        let rule = w["ruleName"].as_str().unwrap_or_default().to_string();
        let line = w["location"]["ranges"][0]["start"]["line"]
            .as_u64()
            .unwrap_or(0) as usize;
        found.push((rule, line));
    }
    Ok(found)
}

/// Whether a BuildKit failure is its verdict on the file, not on this setup.
fn rejected_by_buildkit(why: &str) -> bool {
    [
        "dockerfile parse error",
        "failed to parse stage name",
        "should not be blank",
        "unsupported modifier",
        "unexpected end of statement",
    ]
    .iter()
    .any(|m| why.contains(m))
}

#[derive(Default)]
struct Tally {
    both: usize,
    rdock_only: BTreeMap<&'static str, usize>,
    buildkit_only: BTreeMap<&'static str, usize>,
}

const UNEXPLAINED: &str = "unexplained";

/// Whether stage `s` is built for the default target (the last stage):
/// reached through FROM, `COPY --from` or `--mount from=`.
fn built_stages(model: &Model<'_>) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let Some(last) = model.stages.len().checked_sub(1) else {
        return seen;
    };
    let mut todo = vec![last];
    while let Some(s) = todo.pop() {
        if !seen.insert(s) {
            continue;
        }
        for r in &model.references {
            if r.stage == s {
                if let RefTarget::Stage(t) = r.target {
                    todo.push(t);
                }
            }
        }
        if let rdock::model::Base::Stage(b) = model.stages[s].base {
            todo.push(b);
        }
    }
    seen
}

/// A line in question, and whether its stage is built for the check.
struct Site<'m> {
    at: common::site::Site<'m>,
    built: bool,
}

impl<'m> std::ops::Deref for Site<'m> {
    type Target = common::site::Site<'m>;
    fn deref(&self) -> &Self::Target {
        &self.at
    }
}

/// Variables that rdock assumes base images set (rules/undefined-variable.md);
/// BuildKit here sees a stand-in base without any ENV.
fn assumed_from_image(text: &str) -> bool {
    rdock::model::expand::references(text, '\\')
        .iter()
        .any(|r| rdock::rules::assumed_image_env(&r.name))
}

/// Whether a variable of the instruction is one rdock leaves to the base
/// image's environment (`rules::may_come_from_image`).
fn set_by_image(site: &Site<'_>) -> bool {
    let Some(ii) = site.ii else { return false };
    let Some(stage) = site.model.stages.iter().position(|s| s.body.contains(&ii)) else {
        return false;
    };
    // (The whole instruction: `COPY --chown=${NB_UID}:${NB_GID} ...`.)
    rdock::model::expand::references(site.source(), '\\')
        .iter()
        .any(|r| rules::may_come_from_image(site.model, stage, ii, &r.name))
}

/// `${name:word}`: not a substitution BuildKit can evaluate (devcontainer
/// templates write `${templateOption:imageVariant}`).
fn template_placeholder(text: &str) -> bool {
    text.split("${").skip(1).any(|rest| {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        rest[name_end..].starts_with(':') && !rest[name_end + 1..].starts_with(['-', '+', '?'])
    })
}

/// `C:/...` or `C:\\...`.
fn drive_letter(path: &str) -> bool {
    let b = path.trim().as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'/' | b'\\')
}

/// A stage whose base image name is invalid once ARG defaults apply:
/// BuildKit stops checking that stage.
fn invalid_base(site: &Site<'_>) -> bool {
    let Some(stage) = site.ii.and_then(|ii| site.model.instructions[ii].stage) else {
        return false;
    };
    match &site.model.stages[stage].base {
        rdock::model::Base::Image { raw, resolved } => {
            !valid_reference(resolved.as_deref().unwrap_or(raw))
        }
        _ => false,
    }
}

fn why_rdock_only(id: &str, site: &Site<'_>) -> &'static str {
    let text = site.text();
    match id {
        _ if !site.built => {
            "stage the default target does not build (deliberate: rdock checks every stage, BuildKit only the built ones)"
        }
        _ if invalid_base(site) => {
            "stage whose base image name is invalid after ARG defaults: BuildKit stops checking the stage, rdock goes on"
        }
        "RD111" | "RD203" if template_placeholder(&text) => {
            "`${name:word}` placeholder (devcontainer templates): BuildKit cannot evaluate it and says nothing; rdock reads it as an unset variable (deliberate)"
        }
        "RD203" if site.kind() == Some(Kind::Expose) => {
            "EXPOSE: BuildKit expands the ports without its UndefinedVar check; rdock checks them too (deliberate: an unset port variable exposes nothing)"
        }
        _ => UNEXPLAINED,
    }
}

fn why_buildkit_only(id: &str, site: &Site<'_>) -> &'static str {
    let text = site.text();
    match id {
        "RD204" if drive_letter(&text) => {
            "a Windows drive-letter path (`C:/...`): absolute on the Windows base image it is written for; BuildKit on Linux calls it relative (deliberate)"
        }
        "RD004" if site.blank_line_above() => {
            "comment separated from the ARG/FROM by a blank line, usually a licence header: BuildKit 28.5 drops blank lines before collecting comments, rdock does not count it as a description (deliberate)"
        }
        "RD111" if !text.contains('$') => {
            "base image name invalid without any ARG (`FROM REPLACE-ME`, a template placeholder): BuildKit reports it under this check; rdock's RD111 is about ARG defaults, and the parser's syntax check does not validate image names (a gap)"
        }
        "RD203" | "RD204" if assumed_from_image(&text) => {
            "a variable base images commonly set (rdock's list in rules/undefined-variable.md): BuildKit sees the offline stand-in base, which sets no ENV"
        }
        "RD203" if set_by_image(site) => {
            "a name the file defines nowhere else, on a stage built from an image: rdock leaves it to the image's environment (rules/undefined-variable.md); BuildKit sees the offline stand-in base, which sets no ENV"
        }
        "RD205" => {
            "a name about a secret (`..._VERSION`, `..._URL`, `..._PATH`, a GPG key id) or a value that is a URL or a path: BuildKit reads the name alone, rdock the name and the value (deliberate)"
        }
        _ => UNEXPLAINED,
    }
}

#[test]
fn rdock_agrees_with_buildkit_check_or_says_why() {
    let test = "rdock_agrees_with_buildkit_check_or_says_why";
    let Some(mut files) = common::corpus_files(test) else {
        return;
    };
    if let Some(why) = engine_missing() {
        let why = format!("{why}; start one with `scripts/engine.sh --debian`");
        if std::env::var("RDOCK_REQUIRE_ENGINE").as_deref() == Ok("1") {
            panic!("{test}: {why}, and RDOCK_REQUIRE_ENGINE=1 requires it");
        }
        common::skip(test, &why);
        return;
    }
    let corpus = files.len();
    let every: usize = std::env::var("RDOCK_BUILDKIT_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_EVERY);
    files = files.into_iter().step_by(every).collect();
    // `RDOCK_BUILDKIT_FILES=LIST`: only the corpus files a file lists, one
    // name a line (to look into one class of disagreement; the docs are
    // then not compared).
    let only = std::env::var_os("RDOCK_BUILDKIT_FILES").map(|list| {
        std::fs::read_to_string(list)
            .expect("RDOCK_BUILDKIT_FILES")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect::<BTreeSet<String>>()
    });
    if let Some(only) = &only {
        files.retain(|p| {
            p.file_name()
                .is_some_and(|n| only.contains(n.to_string_lossy().as_ref()))
        });
    }

    let check_to_rule: BTreeMap<&'static str, &'static str> = rules::metas()
        .filter_map(|m| Some((m.buildkit?, m.id)))
        .collect();
    let settings = Settings::resolve(
        None,
        &Overrides {
            select: Some(vec!["ALL".into()]),
            ..Overrides::default()
        },
    );
    let scratch = std::env::temp_dir().join(format!("rdock-bkcheck-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("temp dir");

    // BuildKit over the files, on two threads.
    let started = Instant::now();
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let half = texts.len().div_ceil(2).max(1);
    let results: Vec<Result<Vec<(String, usize)>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(half)
            .map(|part| {
                let scratch = &scratch;
                s.spawn(move || {
                    part.iter()
                        .map(|(p, t)| {
                            let model = Model::new(t, &BuildInputs::default());
                            buildkit_check(p, &images(&model), scratch)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("check thread"))
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&scratch);

    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for id in check_to_rule.values() {
        tallies.entry(id).or_default();
    }
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unknown_checks: BTreeSet<String> = BTreeSet::new();
    let mut cases: Vec<String> = Vec::new();
    let dump_to = std::env::var_os("RDOCK_BUILDKIT_DUMP");
    let mut checked = 0;
    for ((path, text), result) in texts.iter().zip(results) {
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bk = match result {
            Ok(bk) => bk,
            Err(why) => {
                failures.entry(why).or_default().push(name);
                continue;
            }
        };
        checked += 1;
        let idx = LineIndex::new(text);
        let model = Model::new(text, &BuildInputs::default());
        let built = built_stages(&model);
        let line_of_inst: Vec<usize> = (0..model.instructions.len())
            .map(|ii| idx.line_col(text, model.instruction(ii).span.start).line)
            .collect();
        let end_of_inst: Vec<usize> = (0..model.instructions.len())
            .map(|ii| {
                let span = model.instruction(ii).span;
                idx.line_col(text, span.end.saturating_sub(1).max(span.start))
                    .line
            })
            .collect();
        // The instruction a line belongs to: the one holding it; for a
        // comment or blank line between instructions, the next one (rdock
        // puts a description-comment finding on the comment, BuildKit on the
        // instruction it describes).
        let inst_of_line = |line: usize| {
            (0..line_of_inst.len())
                .find(|&ii| line <= end_of_inst[ii])
                .or_else(|| line_of_inst.len().checked_sub(1))
        };
        let norm = |line: usize| inst_of_line(line).map_or(line, |ii| line_of_inst[ii]);
        let mut rd: BTreeSet<(&'static str, usize)> = BTreeSet::new();
        for d in rdock::check(text, &settings) {
            if check_to_rule.values().any(|id| *id == d.code) {
                rd.insert((d.code, norm(idx.line_col(text, d.span.start).line)));
            }
        }
        let mut bks: BTreeSet<(&'static str, usize)> = BTreeSet::new();
        for (check, line) in bk {
            match check_to_rule.get(check.as_str()) {
                Some(id) => {
                    bks.insert((id, norm(line)));
                }
                None => {
                    unknown_checks.insert(check);
                }
            }
        }
        for key in rd.union(&bks) {
            let (id, line) = *key;
            let ii = inst_of_line(line);
            let site = Site {
                at: common::site::Site { model: &model, ii },
                built: ii
                    .and_then(|ii| model.instructions[ii].stage)
                    .is_none_or(|s| built.contains(&s)),
            };
            let t = tallies.entry(id).or_default();
            match (rd.contains(key), bks.contains(key)) {
                (true, true) => t.both += 1,
                (true, false) => {
                    let why = why_rdock_only(id, &site);
                    cases.push(format!("{id} rdock only {name}:{line} ({why})"));
                    *t.rdock_only.entry(why).or_default() += 1;
                }
                (false, true) => {
                    let why = why_buildkit_only(id, &site);
                    cases.push(format!("{id} BuildKit only {name}:{line} ({why})"));
                    *t.buildkit_only.entry(why).or_default() += 1;
                }
                (false, false) => unreachable!(),
            }
        }
    }
    eprintln!(
        "{test}: BuildKit checked {checked} of {} files (every {every}th of {corpus}) in {seconds:.1} s",
        texts.len()
    );
    if let Some(to) = &dump_to {
        let mut all = cases.clone();
        for (why, names) in &failures {
            all.push(format!(
                "BuildKit failed on {} files ({why}): {}",
                names.len(),
                names.join(" ")
            ));
        }
        std::fs::write(to, all.join("\n")).expect("write the dump");
    }

    let report = render(&tallies, &failures, checked, texts.len(), every, corpus);
    let doc = common::root().join(if every == 1 {
        "docs/buildkit-agreement-full.md"
    } else {
        "docs/buildkit-agreement.md"
    });
    assert!(
        unknown_checks.is_empty(),
        "BuildKit reports checks no rdock rule maps: {unknown_checks:?}"
    );
    let unexplained: Vec<&String> = cases.iter().filter(|c| c.contains(UNEXPLAINED)).collect();
    assert!(
        unexplained.is_empty(),
        "{} disagreements without a reason; first cases:\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .take(40)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Most sampled files must be checked: a stand-in that stops working
    // would otherwise shrink the comparison silently. Files BuildKit itself
    // rejects (a parse error, an image name that is invalid even with the
    // ARG defaults, a substitution it cannot evaluate) do not count against
    // that: they fail the same way with every base image there is.
    let unreachable: usize = failures
        .iter()
        .filter(|(why, _)| !rejected_by_buildkit(why))
        .map(|(_, names)| names.len())
        .sum();
    assert!(
        unreachable * 100 <= texts.len() * 2,
        "BuildKit could not check {unreachable} of {} files for reasons of this setup: {failures:?}",
        texts.len()
    );
    if only.is_some() {
        return;
    }
    if std::env::var("RDOCK_UPDATE_DOCS").as_deref() == Ok("1") {
        std::fs::write(&doc, &report).expect("write the report");
    }
    if every == DEFAULT_EVERY || every == 1 {
        let current = std::fs::read_to_string(&doc).unwrap_or_default();
        assert_eq!(
            current,
            report,
            "{} is stale: run RDOCK_UPDATE_DOCS=1 cargo test --test it buildkit_check::{}",
            doc.display(),
            if every == 1 {
                " (scripts/buildkit-agreement.sh)"
            } else {
                ""
            }
        );
    }
}

fn render(
    tallies: &BTreeMap<&'static str, Tally>,
    failures: &BTreeMap<String, Vec<String>>,
    checked: usize,
    sampled: usize,
    every: usize,
    corpus: usize,
) -> String {
    let scope = if every == 1 {
        format!("all {corpus} files of the shared corpus")
    } else {
        format!(
            "a sample of {sampled} of the {corpus} corpus files (every {every}th in name order, \
             starting with the first; `scripts/buildkit-agreement.sh` runs all of them into \
             [buildkit-agreement-full.md](buildkit-agreement-full.md))"
        )
    };
    let mut out = format!(
        "# rdock and `docker build --check`: where they agree\n\n\
         Generated by `tests/it/buildkit_check.rs` (`RDOCK_UPDATE_DOCS=1 cargo test --test it buildkit_check::`)\n\
         from BuildKit's linter (`docker buildx build --call=check`, Docker 28.5 from `scripts/engine.sh`,\n\
         experimental checks on) and rdock with every rule selected, over {scope}.\n\
         BuildKit checked {checked} of {sampled} files offline, each image the file names replaced by a\n\
         local busybox image (`--build-context NAME=docker-image://rdock-test/busybox:latest`).\n\
         A finding counts once per check and instruction (both sides' lines are mapped to the first\n\
         line of the instruction that holds them). Agreement is `both / (both + rdock only + BuildKit only)`.\n\n\
         | BuildKit check | rdock rule | Both | rdock only | BuildKit only | Agreement |\n|---|---|---|---|---|---|\n"
    );
    let mut rows: Vec<(&str, &str, &Tally)> = tallies
        .iter()
        .filter_map(|(id, t)| Some((rules::lookup(id)?.buildkit?, *id, t)))
        .collect();
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (check, id, t) in &rows {
        let Some(m) = rules::lookup(id) else { continue };
        let ro: usize = t.rdock_only.values().sum();
        let bo: usize = t.buildkit_only.values().sum();
        let total = t.both + ro + bo;
        let pct = if total == 0 {
            "—".to_string()
        } else {
            format!("{:.0}%", 100.0 * t.both as f64 / total as f64)
        };
        out.push_str(&format!(
            "| {check} | [{id} {}](../rules/{}.md) | {} | {ro} | {bo} | {pct} |\n",
            m.slug, m.slug, t.both
        ));
    }
    out.push_str("\n## Why they disagree\n");
    for (check, id, t) in &rows {
        if t.rdock_only.is_empty() && t.buildkit_only.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {check} ({id})\n"));
        for (why, n) in &t.rdock_only {
            out.push_str(&format!("- rdock only, {n}: {why}\n"));
        }
        for (why, n) in &t.buildkit_only {
            out.push_str(&format!("- BuildKit only, {n}: {why}\n"));
        }
    }
    if !failures.is_empty() {
        out.push_str(
            "\n## Files BuildKit could not check\n\n\
             Most are files BuildKit rejects whatever the base images (marked *rejected*):\n\
             rdock still lints them and reports what it can.\n\n",
        );
        for (why, names) in failures {
            let mark = if rejected_by_buildkit(why) {
                "*rejected* "
            } else {
                ""
            };
            out.push_str(&format!(
                "- {mark}{} ({}): `{why}`\n",
                names.len(),
                names.join(", ")
            ));
        }
    }
    out
}
