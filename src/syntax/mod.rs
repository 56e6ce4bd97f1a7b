//! Dockerfile syntax: a lossless tree with byte spans. Knows nothing about
//! rules, the LSP or Docker.
//!
//! We read Dockerfiles ourselves rather than through `dockerfile-parser`
//! (unmaintained, fails on heredocs and `--link`) or `parse-dockerfile`
//! (drops comments, fails on heredocs that are not the first word and on
//! several heredocs in one instruction): the model must keep every byte.

mod ast;
pub mod format;
mod json;
mod logical;
mod parser;
pub mod printer;

pub use ast::*;
pub use parser::parse;
