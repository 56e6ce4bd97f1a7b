use super::{Context, FixAvailability, RuleMeta, StaticRule};
use crate::diagnostic::{Severity, Span};
use crate::fix::{Edit, Fix};
use crate::syntax::{Args, Kind};

/// The deprecated MAINTAINER instruction.
pub(crate) struct MaintainerInstruction;

static META: RuleMeta = RuleMeta {
    id: "RD200",
    slug: "maintainer-instruction",
    summary: "MAINTAINER is deprecated",
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    hadolint: &["DL4000"],
    buildkit: Some("MaintainerDeprecated"),
    default_enabled: true,
    unused_code: false,
    doc: include_str!("../../rules/maintainer-instruction.md"),
};

impl StaticRule for MaintainerInstruction {
    const META: &'static RuleMeta = &META;

    fn check(&self, cx: &mut Context<'_>) {
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
}
