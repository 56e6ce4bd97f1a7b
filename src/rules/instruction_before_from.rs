use super::Context;
use crate::syntax::Kind;

declare_rule! {
    /// An instruction other than ARG before the first FROM.
    InstructionBeforeFrom: RD438 "instruction-before-from", Error, "Instruction other than ARG before the first FROM";
    hadolint: ["DL3061"]
}

fn check(cx: &mut Context<'_>) {
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
