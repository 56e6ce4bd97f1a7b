use super::Context;
use crate::suppress;
use crate::syntax::NodeKind;

declare_rule! {
    /// An `ignore=` comment for the next instruction (rdock's or hadolint's).
    InlineIgnore: RD005 "inline-ignore", Info, "Inline ignore comment for the next instruction";
    hadolint: ["DL1001"], off_by_default
}

fn check(cx: &mut Context<'_>) {
    for node in &cx.model.ast.nodes {
        let NodeKind::Comment(c) = &node.kind else {
            continue;
        };
        let Some((false, _)) = suppress::parse_comment(&c.text) else {
            continue;
        };
        let tool = c
            .text
            .split_whitespace()
            .next()
            .unwrap_or("rdock")
            .to_ascii_lowercase();
        cx.report(&META, c.span, format!("inline `# {tool} ignore=` comment"))
        .label("ignores rules for the next instruction")
        .help(
            "fix the finding, or ignore the rule for the whole file (`# rdock global ignore=...`) or the project (`ignore` in .rdock.toml)",
        );
    }
}
