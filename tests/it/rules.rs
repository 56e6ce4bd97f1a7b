//! Every rule against its fixtures in `tests/fixtures/<slug>/`:
//! `fires_*.Dockerfile` must trigger it, `ok_*.Dockerfile` must not. Each
//! fixture's findings are snapshot as users see them (full and JSON output),
//! with the fix diff and the fixed file. A first-line comment
//! `# rdock-test: --target=NAME --build-arg=K=V --allowed-registry=R` sets
//! options as the same flags of `rdock lint` do, and a
//! `<fixture>.dockerignore` beside it is its build context's `.dockerignore`.
//!
//! Each fixture says which lines its rule fires on in a header comment
//! (`# RD302 fires on lines 3, 7.` or `# RD302 does not fire.`), its first
//! line after any parser directives and the `# rdock-test:` line, followed
//! by a blank line. The test checks it; `RDOCK_UPDATE_FIXTURES=1 cargo test
//! --test it rules::` writes it.

use crate::common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rdock::fix::{diff::unified, Applicability};
use rdock::render::{self, OutputFormat, RenderOptions};
use rdock::rules::{self, FixAvailability, RuleMeta};
use rdock::settings::{Overrides, Settings};
use rdock::{check, check_and_fix, FileResult};

fn settings_for(meta: &RuleMeta, text: &str) -> Settings {
    let mut o = Overrides {
        select: Some(vec![meta.id.to_string()]),
        ..Overrides::default()
    };
    if let Some(opts) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# rdock-test:"))
    {
        for opt in opts.split_whitespace() {
            if let Some(t) = opt.strip_prefix("--target=") {
                o.targets.push(t.to_string());
            } else if let Some(kv) = opt.strip_prefix("--build-arg=") {
                let (k, v) = kv.split_once('=').expect("K=V");
                o.build_args.insert(k.to_string(), v.to_string());
            } else if let Some(r) = opt.strip_prefix("--allowed-registry=") {
                o.allowed_registries.push(r.to_string());
            } else {
                panic!("unknown test option {opt}");
            }
        }
    }
    Settings::resolve(None, &o)
}

/// Where a fixture's header goes: the index of its first line that is not
/// a parser directive (`# syntax=`, `# escape=`, `# check=`) or the
/// `# rdock-test:` options.
fn header_line(text: &str) -> usize {
    let directive = regex::Regex::new(r"(?i)^#\s*(syntax|escape|check)\s*=").unwrap();
    text.lines()
        .take_while(|l| directive.is_match(l) || l.starts_with("# rdock-test:"))
        .count()
}

/// Whether a line is a fixture header.
fn is_header(line: &str, meta: &RuleMeta) -> bool {
    line.strip_prefix("# ")
        .and_then(|l| l.strip_prefix(meta.id))
        .is_some_and(|l| l.starts_with(" fires on ") || l == " does not fire.")
}

/// `text` with the header that says where `meta` fires in it (replacing
/// the one it has, else inserted with a blank line after it).
fn with_header(meta: &RuleMeta, text: &str, settings: &Settings) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = header_line(text);
    let has = lines.get(at).is_some_and(|l| is_header(l.trim_end(), meta));
    if !has {
        lines.insert(at, "\n");
        lines.insert(at, "\n");
    }
    let placed: String = lines.concat();
    let index = rdock::line_index::LineIndex::new(&placed);
    let mut fired: Vec<usize> = check(&placed, settings)
        .iter()
        .filter(|d| d.code == meta.id)
        .map(|d| index.line_of(d.span.start) + 1)
        .collect();
    fired.sort_unstable();
    fired.dedup();
    let header = match fired.as_slice() {
        [] => format!("# {} does not fire.\n", meta.id),
        [one] => format!("# {} fires on line {one}.\n", meta.id),
        many => {
            let many: Vec<String> = many.iter().map(usize::to_string).collect();
            format!("# {} fires on lines {}.\n", meta.id, many.join(", "))
        }
    };
    lines[at] = &header;
    lines.concat()
}

fn render(format: OutputFormat, result: &FileResult) -> String {
    let metas: Vec<&'static RuleMeta> = rules::metas().collect();
    let mut out = Vec::new();
    let opts = RenderOptions {
        color: false,
        show_source: true,
        quiet: true,
        not_linted: 0,
    };
    let report = render::Report {
        results: std::slice::from_ref(result),
        errors: &[],
        rules: &metas,
        opts: &opts,
    };
    render::render(format, &report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn rules_fire_on_their_fixtures_and_only_there() {
    let mut failures = Vec::new();
    let mut snapshots = BTreeMap::new();
    for meta in rules::metas() {
        let dir = common::root().join("tests/fixtures").join(meta.slug);
        let files = common::fixtures(&dir);
        let fires = files
            .iter()
            .filter(|f| {
                f.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("fires_")
            })
            .count();
        let oks = files
            .iter()
            .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with("ok_"))
            .count();
        if fires == 0 || oks == 0 {
            failures.push(format!(
                "{}: needs fires_*.Dockerfile and ok_*.Dockerfile in {}",
                meta.slug,
                dir.display()
            ));
            continue;
        }
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let mut text = std::fs::read_to_string(&file).unwrap();
            let mut settings = settings_for(meta, &text);
            // `<fixture>.dockerignore` beside a fixture is its context's .dockerignore.
            let mut ignore_path = file.clone().into_os_string();
            ignore_path.push(".dockerignore");
            if let Ok(patterns) = std::fs::read_to_string(&ignore_path) {
                settings.build.dockerignore = Some(std::sync::Arc::new(
                    rdock::workspace::dockerignore::Dockerignore::parse(".dockerignore", &patterns),
                ));
            }
            let headed = with_header(meta, &text, &settings);
            if headed != text {
                if std::env::var("RDOCK_UPDATE_FIXTURES").as_deref() == Ok("1") {
                    std::fs::write(&file, &headed).unwrap();
                    text = headed;
                } else {
                    let at = header_line(&headed);
                    failures.push(format!(
                        "{}/{name}: line {} should say `{}` (RDOCK_UPDATE_FIXTURES=1 writes it)",
                        meta.slug,
                        at + 1,
                        headed.lines().nth(at).unwrap_or_default()
                    ));
                    continue;
                }
            }
            let diags = check(&text, &settings);
            let own: Vec<_> = diags.iter().filter(|d| d.code == meta.id).collect();
            if name.starts_with("fires_") && own.is_empty() {
                failures.push(format!(
                    "{}/{name}: expected {} to fire",
                    meta.slug, meta.id
                ));
            }
            if name.starts_with("ok_") && !own.is_empty() {
                failures.push(format!(
                    "{}/{name}: {} fired: {:?}",
                    meta.slug, meta.id, own
                ));
            }
            // The declared fix availability matches what is emitted.
            let with_fix = own.iter().filter(|d| d.fix.is_some()).count();
            match meta.fix {
                FixAvailability::None if with_fix > 0 => failures.push(format!(
                    "{}/{name}: declares no fix but offers one",
                    meta.slug
                )),
                FixAvailability::Always if with_fix < own.len() => failures.push(format!(
                    "{}/{name}: declares a fix always but one has none",
                    meta.slug
                )),
                _ => {}
            }
            // Fixes converge, keep the file readable, and are idempotent.
            let fixed = check_and_fix(&text, &settings, true)
                .unwrap_or_else(|e| panic!("{}/{name}: {e}", meta.slug));
            let again = check_and_fix(&fixed.text, &settings, true).unwrap();
            if again.text != fixed.text {
                failures.push(format!(
                    "{}/{name}: fixing twice differs from fixing once",
                    meta.slug
                ));
            }
            let mut snap = String::new();
            let result = FileResult::new(name.clone(), text.clone(), diags.clone());
            writeln!(snap, "{}", render(OutputFormat::Full, &result)).unwrap();
            writeln!(
                snap,
                "----- json -----\n{}",
                render(OutputFormat::Json, &result)
            )
            .unwrap();
            if fixed.text != text {
                let safe = check_and_fix(&text, &settings, false).unwrap();
                let kind = if safe.text == fixed.text {
                    "safe"
                } else {
                    "with --unsafe-fixes"
                };
                writeln!(
                    snap,
                    "----- fix ({kind}) -----\n{}",
                    unified(&name, &text, &fixed.text)
                )
                .unwrap();
                writeln!(snap, "----- fixed -----\n{}", fixed.text).unwrap();
            }
            let _ = Applicability::Safe;
            snapshots.insert(
                format!("{}__{}", meta.slug, name.trim_end_matches(".Dockerfile")),
                snap,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (name, snap) in snapshots {
            insta::assert_snapshot!(name, snap);
        }
    });
}
