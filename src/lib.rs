//! rdock: a Dockerfile linter with an exact model, a stage graph and fixes.
//!
//! `text -> syntax::parse -> model -> graph -> rules -> Vec<Diagnostic> -> render | fix`

pub mod analysis;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod exec;
pub mod fix;
pub mod graph;
pub mod input;
pub mod line_index;
pub mod lsp;
pub mod model;
pub mod parallel;
pub mod render;
pub mod rules;
pub mod session;
pub mod settings;
pub mod shell;
pub mod suppress;
pub mod syntax;
pub mod text;
pub mod unlock;
pub mod verify;
pub mod workspace;

mod check;

pub use check::{check, check_and_fix, check_unless, FixError, FixOutcome, MAX_FIX_PASSES};
pub use diagnostic::{Diagnostic, Related, Severity, Span};

pub use render::{FileResult, RunError};
pub use rules::REPOSITORY;
