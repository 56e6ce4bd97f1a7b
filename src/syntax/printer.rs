//! Printing the tree back. Nodes own whole lines, so printing is the
//! concatenation of their text; [`print`] checks that they tile the file.

use super::ast::Dockerfile;

/// The text the model stands for: every node's lines, in order.
/// `None` when the nodes do not tile `text` (a parser bug).
pub fn print(df: &Dockerfile, text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for node in &df.nodes {
        if node.lines.start != pos || node.lines.end > text.len() {
            return None;
        }
        out.push_str(text.get(node.lines.range())?);
        pos = node.lines.end;
    }
    (pos == text.len()).then_some(out)
}
