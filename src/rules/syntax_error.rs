use super::Context;

declare_rule! {
    /// What BuildKit's parser or instruction reader refuses.
    SyntaxError: RD001 "syntax-error", Error, "BuildKit cannot read this Dockerfile";
    hadolint: ["DL3043"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for e in model.ast.errors.iter().chain(&model.errors) {
        let d = cx.report(&META, e.span, e.message.clone());
        d.help = e.help.clone();
    }
}
