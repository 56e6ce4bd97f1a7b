use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::suppress;
use crate::syntax::NodeKind;

/// An `ignore=` comment for the next instruction (rdock's or hadolint's).
pub(crate) struct InlineIgnore;

static META: RuleMeta = RuleMeta {
    id: "RD005",
    slug: "inline-ignore",
    summary: "Inline ignore comment for the next instruction",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL1001"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/inline-ignore.md"),
};

impl StaticRule for InlineIgnore {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
