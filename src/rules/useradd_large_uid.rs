use super::runs::posix_commands;
use super::Context;
use crate::fix::{Edit, Fix};

declare_rule! {
    /// `useradd -u <large uid>` without `-l`: a huge sparse lastlog file.
    UseraddLargeUid: RD433 "useradd-large-uid", Warning, "`useradd` with a large UID and without `-l` bloats the image";
    fix: Always, hadolint: ["DL3046"]
}

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

fn check(cx: &mut Context<'_>) {
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
