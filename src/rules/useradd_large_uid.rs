use super::runs::posix_commands;
use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::fix::{Edit, Fix};

/// `useradd -u <large uid>` without `-l`: a huge sparse lastlog file.
pub(crate) struct UseraddLargeUid;

static META: RuleMeta = RuleMeta {
    id: "RD433",
    slug: "useradd-large-uid",
    summary: "`useradd` with a large UID and without `-l` bloats the image",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &["DL3046"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/useradd-large-uid.md"),
};

/// The UID a `useradd` command sets, with the word that holds it.
fn uid(cmd: &crate::shell::Command) -> Option<(&crate::shell::ShWord, String)> {
    let args = cmd.args();
    for (i, w) in args.iter().enumerate() {
        let t = w.lit.as_deref()?;
        if t == "-u" || t == "--uid" {
            let v = args.get(i + 1)?;
            return Some((v, v.lit.clone()?));
        }
        if let Some(v) = t.strip_prefix("--uid=") {
            return Some((w, v.to_string()));
        }
        if let Some(v) = t
            .strip_prefix("-u")
            .filter(|v| !v.is_empty() && !t.starts_with("--"))
        {
            return Some((w, v.to_string()));
        }
    }
    None
}

impl StaticRule for UseraddLargeUid {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        for cmd in posix_commands(cx.model) {
            if cmd.base_name() != Some("useradd") {
                continue;
            }
            if cmd.has_flag("-l") || cmd.has_flag("--no-log-init") {
                continue;
            }
            let Some((word, uid)) = uid(cmd) else {
                continue;
            };
            // hadolint's threshold: six digits or more.
            if uid.len() <= 5 || !uid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            cx.report(
                &META,
                word.span,
                format!(
                    "`useradd` with UID {uid} and without `-l` writes a lastlog and faillog record at offset {uid}: files of hundreds of megabytes in the layer"
                ),
            )
            .label("large UID")
            .help("add `-l` (`--no-log-init`)")
            .fix(Fix::unsafe_(
                "Add `-l`",
                vec![Edit::insert(cmd.words[0].span.end, " -l")],
            ));
        }
    }
}
