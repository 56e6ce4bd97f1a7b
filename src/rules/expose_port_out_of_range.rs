use super::util::expanded;
use super::Context;
use crate::syntax::Kind;

declare_rule! {
    /// EXPOSE of a port above 65535.
    ExposePortOutOfRange: RD436 "expose-port-out-of-range", Error, "EXPOSE port is not between 0 and 65535";
    hadolint: ["DL3011"]
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    for (ii, _, inst) in model.instructions_of(&[Kind::Expose]) {
        for word in inst.words() {
            let Some(value) = expanded(model, ii, &word.text) else {
                continue;
            };
            for spec in value.split_whitespace() {
                let port = spec.split('/').next().unwrap_or("");
                let port = port.rsplit(':').next().unwrap_or(port);
                let too_big = port.split('-').find(|p| {
                    !p.is_empty()
                        && p.bytes().all(|b| b.is_ascii_digit())
                        && p.parse::<u64>().map_or(true, |n| n > 65535)
                });
                let Some(big) = too_big else { continue };
                cx.report(
                    &META,
                    word.span,
                    format!("port {big} is out of range: ports go from 0 to 65535, and the build fails on it"),
                )
                .label("no such port")
                .help("check the port number");
            }
        }
    }
}
