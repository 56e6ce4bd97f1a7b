use super::Context;
use crate::fix::{Edit, Fix};
use crate::syntax::Kind;

declare_rule! {
    /// `EXPOSE 8080:80` or `EXPOSE 127.0.0.1:80:80`: a host address or port in EXPOSE.
    ExposeHostPort: RD207 "expose-host-port", Warning, "EXPOSE names an IP address or a host port";
    fix: Sometimes, buildkit: "ExposeInvalidFormat"
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for (ii, stage, inst) in model.instructions_of(&[Kind::Expose]) {
        for word in inst.words() {
            let expanded = match stage {
                Some(s) => model.scope.expand_at(ii, s, &word.text, escape),
                None => None,
            }
            .unwrap_or_else(|| word.text.clone());
            if !expanded.contains(':') {
                continue;
            }
            let d = cx.report(
                &META,
                word.span,
                format!(
                    "EXPOSE should not define an IP address or host-port mapping, found `{expanded}`"
                ),
            )
            .label("host part")
            .help(
                "EXPOSE documents container ports only; publish host ports with `docker run -p`",
            );
            // The container port is what follows the last `:`.
            let exact = word.span.len() == word.text.len() && !word.text.contains('$');
            let container = &word.text[word.text.rfind(':').map_or(0, |i| i + 1)..];
            let port_ok = container.split('/').next().is_some_and(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'-')
            });
            if exact && port_ok {
                d.fix = Some(Fix::unsafe_(
                    format!("Keep only the container port `{container}`"),
                    vec![Edit::replace(word.span, container.to_string())],
                ));
            }
        }
    }
}
