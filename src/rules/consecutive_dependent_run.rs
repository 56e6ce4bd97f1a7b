use super::runs::{runs, Run};
use super::Context;

declare_rule! {
    /// Two RUNs in a row that work on the same state and could be one layer.
    ConsecutiveDependentRun: RD412 "consecutive-dependent-run", Info, "Consecutive RUNs that share state could be one RUN";
    hadolint: ["DL3059"]
}

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
            Some(tool @ ("wget" | "curl")) => out.extend(downloaded(tool, c)),
            _ => {}
        }
    }
    // (A path that is only a variable says nothing; `/opt/app-$V.tgz` is
    // the same text in both RUNs.)
    out.retain(|p| p.len() > 1 && p != "-" && !p.starts_with("/dev/") && !p.starts_with('$'));
    out
}

/// The file a URL is saved to by `wget URL` or `curl -O URL`: the last
/// segment of its path, without the query; `None` when it has none.
fn remote_name(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let path = rest.split(['?', '#']).next()?;
    let (_, name) = path.split_once('/')?;
    let name = name.rsplit('/').next()?;
    // A file name (`app-1.2.tar.gz`, `install.sh`), not a bare word
    // (`download`, `latest`) that other text may hold.
    (name.contains('.') && !name.starts_with('.')).then(|| name.to_string())
}

/// The files a `wget` or `curl` command writes: the value of `-O`/`-o`
/// (wget's `-O`, also joined as `-qO file` or `-Ofile`; curl's `-o`), else
/// the URL's own file name (wget without `-O`, curl with `-O`/
/// `--remote-name`), under wget's `-P DIR`.
fn downloaded(tool: &str, c: &crate::shell::Command) -> Vec<String> {
    let args = c.args();
    let texts: Vec<&str> = args.iter().map(|w| w.text()).collect();
    let mut named = Vec::new();
    let mut remote = tool == "wget";
    let mut prefix: Option<&str> = None;
    let mut i = 0;
    while i < texts.len() {
        let w = texts[i];
        let value = |flag: char| -> Option<Option<&str>> {
            // `-O file`, `-qO file`, `-Ofile`, `-qO-`.
            let letters = w.strip_prefix('-').filter(|l| !l.starts_with('-'))?;
            let at = letters.find(flag)?;
            if !letters[..at].chars().all(|c| c.is_ascii_alphabetic()) {
                return None;
            }
            let rest = &letters[at + 1..];
            Some(if rest.is_empty() {
                texts.get(i + 1).copied()
            } else {
                Some(rest)
            })
        };
        let (out_flag, long) = if tool == "wget" {
            ('O', "--output-document")
        } else {
            ('o', "--output")
        };
        if let Some(v) = value(out_flag) {
            named.extend(v);
            remote = false;
        } else if w == long {
            named.extend(texts.get(i + 1).copied());
            remote = false;
            i += 1;
        } else if let Some(v) = w.strip_prefix(&format!("{long}=")) {
            named.push(v);
            remote = false;
        } else if tool == "curl"
            && (w == "--remote-name"
                || w.strip_prefix('-').is_some_and(|l| {
                    !l.starts_with('-')
                        && l.chars().all(|c| c.is_ascii_alphabetic())
                        && l.contains('O')
                }))
        {
            remote = true;
        } else if tool == "wget" && (w == "-P" || w == "--directory-prefix") {
            prefix = texts.get(i + 1).copied();
            i += 1;
        }
        i += 1;
    }
    let mut out: Vec<String> = named.into_iter().map(str::to_string).collect();
    if remote && out.is_empty() {
        for url in texts.iter().filter_map(|w| remote_name(w)) {
            out.push(match prefix {
                Some(p) => format!("{}/{url}", p.trim_end_matches('/')),
                None => url,
            });
        }
    }
    out
}

/// Whether `text` names `path` as a whole (`app.tgz` is not in `myapp.tgz`
/// or `app.tgz.sha256`).
fn mentions(text: &str, path: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    text.match_indices(path).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + path.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

fn check(cx: &mut Context<'_>) {
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
            .find(|p| mentions(&b.inst.args_text, p));
        let why = match (shared_manager, reads) {
            (Some(m), _) => format!("both RUNs use `{m}`"),
            (None, Some(p)) => format!("this RUN uses `{p}`, which the previous RUN creates"),
            (None, None) => continue,
        };
        cx.report(
            &META,
            b.inst.keyword.span,
            format!("{why}: join them with `&&` into one RUN"),
        )
        .label("depends on the previous RUN")
        .help("one RUN makes one layer and keeps related steps together");
    }
}
