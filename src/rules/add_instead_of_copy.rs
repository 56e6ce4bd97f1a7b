use super::Context;
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

declare_rule! {
    /// ADD of local files, which COPY does more plainly.
    AddInsteadOfCopy: RD408 "add-instead-of-copy", Warning, "ADD used for local files; COPY says what it does";
    fix: Sometimes, hadolint: ["DL3020"]
}

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".gz",
    ".bz2", ".xz", ".zst", ".lz4", ".tar.lz4",
];

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for (ii, stage, inst) in model.instructions_of(&[Kind::Add]) {
        if !inst.heredocs.is_empty() {
            continue;
        }
        let words: Vec<&str> = match &inst.args {
            Args::List(w) | Args::Exec(w) => w.iter().map(|w| w.text.as_str()).collect(),
            _ => continue,
        };
        if words.len() < 2 {
            continue;
        }
        // Sources as BuildKit sees them, variables expanded: `ADD ${REPO}#v1.2`
        // and `ADD ${URL}` fetch. One that cannot be resolved may be a URL.
        let Some(stage) = stage else {
            continue;
        };
        let expanded: Option<Vec<String>> = words[..words.len() - 1]
            .iter()
            .map(|s| {
                if s.contains('$') {
                    model.scope.expand_known(ii, stage, s, model.ast.escape)
                } else {
                    Some((*s).to_string())
                }
            })
            .collect();
        let Some(expanded) = expanded else { continue };
        let sources: Vec<&str> = expanded.iter().map(String::as_str).collect();
        let remote = |s: &str| {
            s.contains("://") || s.starts_with("git@") || s.contains(".git#") || s.ends_with(".git")
        };
        if sources.iter().any(|s| remote(s)) {
            continue;
        }
        // Archives are extracted by ADD: that is what ADD is for. hadolint
        // skips only `.tar*` names; rdock skips every extension ADD unpacks.
        let archive = |s: &str| {
            let l = s.trim_matches('"').to_ascii_lowercase();
            ARCHIVES.iter().any(|e| l.ends_with(e))
        };
        if sources.iter().any(|s| archive(s)) {
            continue;
        }
        let d = cx
            .report(&META, inst.keyword.span, "ADD of local files: use COPY")
            .label("ADD")
            .help("COPY copies; ADD also fetches URLs and unpacks archives");
        // A source with a variable or glob may name an archive: not provably the same.
        // ADD unpacks a local tar by its content, whatever its name: only
        // directories are provably copied as they are.
        let plain = sources.iter().all(|s| s.ends_with('/') || *s == ".")
            && words[..words.len() - 1].iter().all(|s| !s.contains('$'));
        let flags_ok = inst
            .flags
            .iter()
            .all(|f| matches!(f.name.as_str(), "chown" | "chmod" | "link" | "from"));
        let edit = Edit::replace(
            inst.keyword.span,
            if inst.keyword.text == "add" {
                "copy"
            } else {
                "COPY"
            },
        );
        d.fix = Some(if plain && flags_ok {
            Fix::safe("Replace ADD with COPY", vec![edit])
        } else {
            Fix::unsafe_("Replace ADD with COPY (ADD unpacks a local tar archive whatever its name; COPY would copy it as a file)", vec![edit])
        });
    }
}
