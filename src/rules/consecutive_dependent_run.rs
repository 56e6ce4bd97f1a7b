use super::runs::{runs, Run};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// Two RUNs in a row that work on the same state and could be one layer.
pub(crate) struct ConsecutiveDependentRun;

static META: RuleMeta = RuleMeta {
    id: "RD412",
    slug: "consecutive-dependent-run",
    summary: "Consecutive RUNs that share state could be one RUN",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3059"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/consecutive-dependent-run.md"),
};

const MANAGERS: &[&str] = &[
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "pip3", "npm", "yarn",
    "pnpm", "gem", "conda",
];

fn managers<'a>(run: &'a Run<'_>) -> Vec<&'a str> {
    run.script
        .commands
        .iter()
        .filter_map(|c| c.base_name())
        .filter(|n| MANAGERS.contains(n))
        .map(|n| match n {
            "apt" => "apt-get",
            "pip3" => "pip",
            n => n,
        })
        .collect()
}

/// Paths a RUN creates: `mkdir` operands, `git clone`'s directory, `-O`/`-o`
/// outputs, redirect targets, the last operand of `cp`/`mv`/`ln`.
fn written(run: &Run<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for c in &run.script.commands {
        for r in &c.redirects {
            if r.writes_file() {
                if let Some(t) = &r.target {
                    out.push(t.text().to_string());
                }
            }
        }
        let ops: Vec<&str> = c.operands().map(|w| w.text()).collect();
        match c.base_name() {
            Some("mkdir") => out.extend(ops.iter().map(|s| s.to_string())),
            Some("git") if ops.first() == Some(&"clone") && ops.len() >= 3 => {
                out.push(ops[ops.len() - 1].to_string())
            }
            Some("cp" | "mv" | "ln") if ops.len() >= 2 => out.push(ops[ops.len() - 1].to_string()),
            Some("wget" | "curl") => {
                let args = c.args();
                for (i, w) in args.iter().enumerate() {
                    if matches!(w.text(), "-O" | "-o" | "--output" | "--output-document") {
                        if let Some(f) = args.get(i + 1) {
                            out.push(f.text().to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.retain(|p| p.len() > 1 && p != "-" && !p.starts_with("/dev/") && !p.contains('$'));
    out
}

impl Rule for ConsecutiveDependentRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        let all = runs(model);
        for pair in all.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            // Consecutive: same stage, nothing in between.
            if a.stage != b.stage || b.ii != a.ii + 1 {
                continue;
            }
            // Different mounts or network need separate RUNs.
            let flags = |r: &Run<'_>| {
                r.inst
                    .flags
                    .iter()
                    .map(|f| f.unquoted())
                    .collect::<Vec<_>>()
            };
            if flags(a) != flags(b) || !a.inst.heredocs.is_empty() || !b.inst.heredocs.is_empty() {
                continue;
            }
            let ma = managers(a);
            let shared_manager = managers(b).into_iter().find(|m| ma.contains(m));
            let reads = written(a)
                .into_iter()
                .find(|p| b.inst.args_text.contains(p.as_str()));
            let why = match (shared_manager, reads) {
                (Some(m), _) => format!("both RUNs use `{m}`"),
                (None, Some(p)) => format!("this RUN uses `{p}`, which the previous RUN creates"),
                (None, None) => continue,
            };
            let d = cx.report(
                &META,
                b.inst.keyword.span,
                format!("{why}: join them with `&&` into one RUN"),
            );
            d.label = Some("depends on the previous RUN".into());
            d.help = Some("one RUN makes one layer and keeps related steps together".into());
        }
    }
}
