use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::Severity;
use crate::syntax::Kind;

/// An instruction other than ARG before the first FROM.
pub(crate) struct InstructionBeforeFrom;

static META: RuleMeta = RuleMeta {
    id: "RD438",
    slug: "instruction-before-from",
    summary: "Instruction other than ARG before the first FROM",
    severity: Severity::Error,
    fix: FixAvailability::None,
    hadolint: &["DL3061"],
    buildkit: None,
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/instruction-before-from.md"),
};

impl StaticRule for InstructionBeforeFrom {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for (ii, r) in model.instructions.iter().enumerate() {
            let inst = model.instruction(ii);
            if r.stage.is_some() || matches!(inst.kind(), Kind::Arg | Kind::From) {
                continue;
            }
            let name = inst.keyword.text.to_ascii_uppercase();
            cx.report(
                &META,
                inst.keyword.span,
                format!("{name} before the first FROM: only ARG may come first, and the build stops with \"no build stage in current context\""),
            )
            .label("no stage yet")
            .help(format!("move the {name} after a FROM"));
        }
    }
}
