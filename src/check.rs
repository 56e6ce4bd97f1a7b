//! The pipeline: text -> model -> graph -> rules -> suppression -> sorted diagnostics,
//! and the fix loop on top of it.

use crate::analysis::Analysis;
use crate::diagnostic::Diagnostic;
use crate::fix::{apply_fixes, Applicability};
use crate::rules::{self, Context};
use crate::settings::Settings;
use rayon::prelude::*;

/// From this many instructions on, the rules of one file run in parallel.
/// Below it the threads cost more than they save, and a lint of many files
/// is already parallel across files.
const PARALLEL_RULES_FROM: usize = 400;

/// Lint one Dockerfile.
pub fn check(text: &str, settings: &Settings) -> Vec<Diagnostic> {
    check_unless(text, settings, &|| false).unwrap_or_default()
}

/// [`check`], giving up (`None`) as soon as `cancelled` says so: it is asked
/// between rules. The language server stops work whose result nobody wants
/// any more (the text changed, or the client cancelled the request).
pub fn check_unless(
    text: &str,
    settings: &Settings,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<Diagnostic>> {
    check_with(text, settings, cancelled, PARALLEL_RULES_FROM)
}

/// [`check_unless`], with the rules run in parallel from `parallel_from`
/// instructions on.
fn check_with(
    text: &str,
    settings: &Settings,
    cancelled: &(dyn Fn() -> bool + Sync),
    parallel_from: usize,
) -> Option<Vec<Diagnostic>> {
    let Analysis {
        model,
        graph,
        suppressions,
    } = Analysis::new(text, settings);
    let enabled: Vec<&dyn rules::Rule> = rules::registry()
        .iter()
        .copied()
        .filter(|rule| settings.is_enabled(rule.meta().id))
        .collect();
    let run = |rule: &dyn rules::Rule| {
        if cancelled() {
            return None;
        }
        let mut cx = Context::new(&model, &graph, &settings.build);
        cx.cancelled = cancelled;
        rule.check(&mut cx);
        Some(cx.into_diagnostics())
    };
    let found: Vec<Vec<Diagnostic>> = if model.instructions.len() >= parallel_from {
        // A long file: the rules run side by side. The caches the rules
        // share are filled first, so that no rule waits on another's parse
        // (and rayon's work stealing never re-enters a cache being filled).
        if !model.prime_caches(cancelled) {
            return None;
        }
        enabled
            .par_iter()
            .map(|rule| run(*rule))
            .collect::<Option<_>>()?
    } else {
        enabled
            .iter()
            .map(|rule| run(*rule))
            .collect::<Option<_>>()?
    };
    if cancelled() {
        return None;
    }
    // Exec-form instructions, in file order (for `keeps_exec_form`).
    let exec_forms: Vec<&crate::syntax::Instruction> = model
        .ast
        .instructions()
        .filter(|i| matches!(i.args, crate::syntax::Args::Exec(_)))
        .collect();
    let mut out: Vec<Diagnostic> = found
        .into_iter()
        .flatten()
        .filter_map(|mut d| {
            let meta = rules::lookup(d.code)?;
            if suppressions.is_suppressed(&d, |c| meta.is_named_by(c)) {
                return None;
            }
            if d.fix
                .as_ref()
                .is_some_and(|f| !keeps_exec_form(&exec_forms, &f.edits))
            {
                // A textual edit would break the JSON array (or change an
                // argument instead of adding one): no fix, the finding stays.
                d.fix = None;
            }
            d.severity = settings.severity_of(meta);
            if suppressions.check_error
                && meta.buildkit.is_some()
                && !settings.severity.contains_key(meta.id)
            {
                d.severity = crate::Severity::Error;
            }
            Some(d)
        })
        .collect();
    out.sort_by(|a, b| (a.span.start, a.code, a.span.end).cmp(&(b.span.start, b.code, b.span.end)));
    Some(out)
}

/// Whether `edits` leave every exec-form (JSON) instruction valid: an edit
/// that reaches into a JSON array is allowed only inside the script string
/// of `["sh", "-c", "..."]` and without characters JSON would escape, or
/// when it replaces the whole instruction.
fn keeps_exec_form(exec_forms: &[&crate::syntax::Instruction], edits: &[crate::fix::Edit]) -> bool {
    // Only the instructions an edit can reach (they are in file order).
    edits.iter().all(|e| {
        let from = exec_forms.partition_point(|i| i.span.end < e.span.start);
        let to = exec_forms.partition_point(|i| i.span.start <= e.span.end);
        exec_forms[from..to.max(from)]
            .iter()
            .all(|inst| keeps_one(inst, e))
    })
}

fn keeps_one(inst: &crate::syntax::Instruction, e: &crate::fix::Edit) -> bool {
    let crate::syntax::Args::Exec(words) = &inst.args else {
        return true;
    };
    let json = inst.args_span;
    let script = crate::shell::ScriptSource::for_exec_shell(inst)
        .map(|s| s.whole)
        .filter(|w| {
            words
                .iter()
                .any(|x| x.span == *w && x.span.len() == x.text.len() + 2)
        });
    let touches = e.span.start < json.end && e.span.end > json.start
        || (e.span.is_empty() && e.span.start > json.start && e.span.start < json.end);
    if !touches || (e.span.start <= inst.span.start && e.span.end >= inst.span.end) {
        return true;
    }
    script.is_some_and(|w| {
        e.span.start > w.start
            && e.span.end < w.end
            && !e.replacement.contains(['"', '\\'])
            && !e.replacement.chars().any(char::is_control)
    })
}

/// The result of fixing a file.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The fixed text (equal to the input when nothing applied).
    pub text: String,
    /// Number of fixes applied over all passes.
    pub applied: usize,
    /// What remains after fixing.
    pub remaining: Vec<Diagnostic>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FixError {
    #[error("fixes did not settle after {0} passes; the file was left unchanged (please report this as a bug)")]
    DidNotSettle(usize),
    #[error("a fix produced text with new syntax errors; the file was left unchanged (please report this as a bug): {0}")]
    Broke(String),
}

/// `next` with the parser directives of `current`, no more: when a fix
/// removes what stood above a comment such as `# escape=\``, that comment
/// would become a directive and change how the whole file is read. A blank
/// line before it keeps it a comment (BuildKit stops reading directives at
/// the first blank line).
fn keep_directives(current: &str, next: String) -> String {
    let key = |d: &crate::syntax::Directive| (d.name.clone(), d.value.clone());
    let before: Vec<_> = crate::syntax::parse(current)
        .directives
        .iter()
        .map(key)
        .collect();
    let after = crate::syntax::parse(&next);
    let Some(promoted) = after
        .directives
        .iter()
        .enumerate()
        .find(|(i, d)| before.get(*i) != Some(&key(d)))
        .map(|(_, d)| d.span.start)
    else {
        return next;
    };
    let line_start = next[..promoted].rfind('\n').map_or(0, |i| i + 1);
    let nl = if next[line_start..].contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = next;
    out.insert_str(line_start, nl);
    out
}

/// The most passes the fix loop makes before giving up.
pub const MAX_FIX_PASSES: usize = 20;

/// Apply fixes (safe ones, and unsafe ones when `unsafe_fixes`) until none
/// applies. Never returns text that parses worse than the input.
pub fn check_and_fix(
    text: &str,
    settings: &Settings,
    unsafe_fixes: bool,
) -> Result<FixOutcome, FixError> {
    let wanted =
        |a: Applicability| a == Applicability::Safe || (unsafe_fixes && a == Applicability::Unsafe);
    let syntax_errors = |t: &str| crate::syntax::parse(t).errors.len();
    let before_errors = syntax_errors(text);
    let mut current = text.to_string();
    let mut applied = 0;
    for _ in 0..MAX_FIX_PASSES {
        let diags = check(&current, settings);
        let fixes: Vec<_> = diags
            .iter()
            .filter_map(|d| d.fix.as_ref())
            .filter(|f| wanted(f.applicability))
            .collect();
        if fixes.is_empty() {
            return Ok(FixOutcome {
                text: current,
                applied,
                remaining: diags,
            });
        }
        let (next, n) = apply_fixes(&current, fixes);
        let next = keep_directives(&current, next);
        if n == 0 || next == current {
            return Ok(FixOutcome {
                text: current,
                applied,
                remaining: diags,
            });
        }
        if syntax_errors(&next) > before_errors {
            return Err(FixError::Broke(
                crate::syntax::parse(&next)
                    .errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default(),
            ));
        }
        applied += n;
        current = next;
    }
    Err(FixError::DidNotSettle(MAX_FIX_PASSES))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rules run in parallel on long files; the findings must be exactly
    /// those of running them one after another. Every fixture of every rule,
    /// concatenated, is a long file with findings of nearly every rule.
    #[test]
    fn parallel_rules_find_what_serial_rules_find() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .flatten()
            .filter(|e| e.path().is_dir())
            .flat_map(|e| {
                std::fs::read_dir(e.path())
                    .expect("fixture folder")
                    .flatten()
            })
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "Dockerfile"))
            .collect();
        files.sort();
        let text: String = files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect::<Vec<_>>()
            .join("\n");
        let overrides = crate::settings::Overrides {
            select: Some(vec!["ALL".into()]),
            ..Default::default()
        };
        let settings = Settings::resolve(None, &overrides);
        let serial = check_with(&text, &settings, &|| false, usize::MAX).unwrap();
        let parallel = check_with(&text, &settings, &|| false, 0).unwrap();
        let codes: std::collections::BTreeSet<_> = serial.iter().map(|d| d.code).collect();
        assert!(codes.len() > 50, "only {} rules fired", codes.len());
        assert_eq!(format!("{serial:?}"), format!("{parallel:?}"));
    }

    #[test]
    fn a_fix_never_turns_a_comment_into_a_directive() {
        // Deleting the two unreachable stages above `# escape=` in one pass
        // (each alone is not at the top) would make it the first line, and so
        // a directive that rereads the last line.
        let text =
            "FROM alpine AS a\nFROM alpine AS b\n# escape=`\nFROM alpine AS c\nRUN echo \\\n  hi\n";
        let overrides = crate::settings::Overrides {
            select: Some(vec!["RD101".into()]),
            ..Default::default()
        };
        let settings = Settings::resolve(None, &overrides);
        let out = check_and_fix(text, &settings, true).expect("fixes apply");
        assert_eq!(
            out.text,
            "\n# escape=`\nFROM alpine AS c\nRUN echo \\\n  hi\n"
        );
        assert!(crate::syntax::parse(&out.text).directives.is_empty());
    }
}
