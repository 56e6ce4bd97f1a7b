//! The rules engine: the `Rule` trait, the registry (one list), and rule selection.

mod meta;

pub use meta::{FixAvailability, RuleMeta};

use crate::diagnostic::{Diagnostic, Severity, Span};

/// Every rule, in id order. This list is the registry.
pub fn registry() -> &'static [&'static dyn Rule] {
    REGISTRY
}

static REGISTRY: &[&dyn Rule] = &[];

/// A lint rule: metadata plus a check over the shared model.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut Context<'_>);
}

/// Metadata of every rule, in id order.
pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    registry().iter().map(|r| r.meta())
}

/// A rule by id (`RD101`, any case) or slug (`unreachable-stage`).
pub fn lookup(code: &str) -> Option<&'static RuleMeta> {
    metas().find(|m| m.id.eq_ignore_ascii_case(code) || m.slug == code)
}

/// The rules a selector names: `ALL`, a prefix of ids (`RD1`, `RD10`), an id, or a slug.
/// Empty when it names nothing.
pub fn matching(selector: &str) -> Vec<&'static RuleMeta> {
    let sel = selector.trim();
    if sel.eq_ignore_ascii_case("ALL") {
        return metas().collect();
    }
    let upper = sel.to_ascii_uppercase();
    if upper.starts_with("RD") && upper[2..].chars().all(|c| c.is_ascii_digit()) {
        return metas().filter(|m| m.id.starts_with(&upper)).collect();
    }
    metas().filter(|m| m.slug == sel).collect()
}

/// What a rule sees and how it reports.
pub struct Context<'a> {
    pub(crate) diagnostics: Vec<Diagnostic>,
    _marker: std::marker::PhantomData<&'a ()>,
}

impl Context<'_> {
    /// Report a finding of `meta` at `span`.
    pub fn report(&mut self, meta: &'static RuleMeta, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(meta.id, meta.slug, meta.severity, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }
}

#[allow(dead_code)]
fn _severity_is_used(_: Severity) {}
