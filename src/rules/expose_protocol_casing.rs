use super::Context;
use crate::diagnostic::Span;
use crate::fix::{Edit, Fix};
use crate::syntax::Kind;

declare_rule! {
    /// `EXPOSE 80/TCP`: an upper-case protocol.
    ExposeProtocolCasing: RD206 "expose-protocol-casing", Warning, "EXPOSE protocol is not lower case";
    fix: Always, buildkit: "ExposeProtoCasing"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for inst in model.ast.instructions() {
        if inst.kind() != Kind::Expose {
            continue;
        }
        for word in inst.words() {
            let Some(slash) = word.text.rfind('/') else {
                continue;
            };
            let proto = &word.text[slash + 1..];
            let lower = proto.to_ascii_lowercase();
            if proto == lower || proto.contains('$') {
                continue;
            }
            let exact = word.span.len() == word.text.len();
            let span = if exact {
                Span::new(word.span.start + slash + 1, word.span.end)
            } else {
                word.span
            };
            let d = cx
                .report(
                    &META,
                    span,
                    format!("protocol `{proto}` in EXPOSE should be lower case"),
                )
                .label(format!("write `{lower}`"));
            if exact {
                d.fix = Some(Fix::safe(
                    format!("Write `{lower}`"),
                    vec![Edit::replace(span, lower)],
                ));
            }
        }
    }
}
