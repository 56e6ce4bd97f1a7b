use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

declare_rule! {
    /// The deprecated MAINTAINER instruction.
    MaintainerInstruction: RD200 "maintainer-instruction", Warning, "MAINTAINER is deprecated";
    fix: Always, hadolint: ["DL4000"], buildkit: "MaintainerDeprecated"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for inst in model.ast.instructions() {
        if inst.kind() != Kind::Maintainer {
            continue;
        }
        let author = match &inst.args {
            Args::Text(w) => w.text.clone(),
            _ => inst.args_text.clone(),
        };
        let d = cx
            .report(
                &META,
                inst.keyword.span,
                "MAINTAINER is deprecated in favor of a label",
            )
            .label("deprecated")
            .help("use `LABEL org.opencontainers.image.authors=\"...\"`");
        let label = if inst.keyword.text == inst.keyword.text.to_ascii_lowercase() {
            "label"
        } else {
            "LABEL"
        };
        // LABEL expands variables and reads quotes and escapes; MAINTAINER does not.
        let mut quoted = String::with_capacity(author.len() + 2);
        for c in author.chars() {
            if matches!(c, '"' | '\\' | '$') || c == model.ast.escape {
                quoted.push(model.ast.escape);
            }
            quoted.push(c);
        }
        if model.ast.escape != '\\' && author.contains('\\') {
            continue;
        }
        d.fix = Some(Fix::unsafe_(
            "Replace with `LABEL org.opencontainers.image.authors`",
            vec![Edit::replace(
                Span::new(inst.keyword.span.start, inst.args_span.end),
                format!("{label} org.opencontainers.image.authors=\"{quoted}\""),
            )],
        ));
    }
}
