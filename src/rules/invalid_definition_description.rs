use super::Context;
use crate::diagnostic::Span;
use crate::model::pairs;
use crate::syntax::{Kind, NodeKind};

declare_rule! {
    /// A comment right above `ARG name` or `FROM ... AS name` that does not start with the name.
    InvalidDefinitionDescription: RD004 "invalid-definition-description", Info, "Comment above an ARG or named stage does not start with its name";
    buildkit: "InvalidDefinitionDescription", off_by_default
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let nodes = &model.ast.nodes;
    for (ni, node) in nodes.iter().enumerate() {
        let NodeKind::Instruction(inst) = &node.kind else {
            continue;
        };
        let (what, keys): (&str, Vec<&str>) = match inst.kind() {
            Kind::Arg => (
                "ARG",
                pairs(inst).iter().map(|kv| kv.key.text.as_str()).collect(),
            ),
            Kind::From => {
                let name = model
                    .stages
                    .iter()
                    .find(|s| model.instructions[s.from].node == ni)
                    .and_then(|s| s.name.as_ref());
                match name {
                    Some(n) => ("FROM", vec![n.text.as_str()]),
                    None => continue,
                }
            }
            _ => continue,
        };
        if keys.is_empty() {
            continue;
        }
        // The comment lines directly above (no blank line between).
        let Some(NodeKind::Comment(last)) = ni.checked_sub(1).map(|p| &nodes[p].kind) else {
            continue;
        };
        let text = last.text.trim();
        // A bare `#` ends a description in BuildKit: nothing describes
        // the definition then (a banner such as `#\n# base: ...\n#`).
        if text.is_empty() {
            continue;
        }
        let first = text.split(' ').next().unwrap_or("");
        if keys.contains(&first) {
            continue;
        }
        let example = if keys.len() > 1 { "<arg_key>" } else { keys[0] };
        cx.report(
            &META,
            Span::new(last.span.start, last.span.end),
            format!("comment for {what} should follow the format `# {example} <description>`"),
        )
        .label(format!("does not start with `{example}`"))
        .help(
            "start the description with the name it describes, or leave a blank line between an unrelated comment and the definition",
        );
    }
}
