//! The integration tests, one binary (each test binary links the whole
//! crate; on a 2-core machine that was most of a test run's build time).
//! The engine, image and pre-commit tests stay separate targets
//! (tests/engine.rs, tests/image.rs, tests/precommit.rs).
//!
//! Run one family with `cargo test --test it <module>::`, e.g.
//! `cargo test --test it docs::`.

#[path = "../common/mod.rs"]
mod common;

mod buildkit_check;
mod ci;
mod cli;
mod differential;
mod docs;
mod fix_safety;
mod format;
mod hadolint;
mod helix;
mod limits;
mod lsp;
mod lsp_format;
mod neovim;
mod parallel;
mod rules;
mod shell_corpus;
mod sweep;
mod vscode;
