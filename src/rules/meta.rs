//! What every rule declares about itself. The code owns this metadata; the
//! docs in `rules/<slug>.md` are checked against it by a test.

use crate::diagnostic::Severity;

/// Where rule docs are published.
pub const REPOSITORY: &str = "https://github.com/rdock-dev/rdock";

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

/// Static description of a rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    /// `RD` and three digits; the hundreds digit is the family.
    pub id: &'static str,
    /// Kebab-case name of the bad pattern; names the doc and the fixture folder.
    pub slug: &'static str,
    /// One line, shown in `rdock rules` and SARIF.
    pub summary: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// hadolint rules with the same intent: `# hadolint ignore=` honours them.
    pub hadolint: &'static [&'static str],
    /// The BuildKit check with the same meaning: `# check=skip=` honours it.
    pub buildkit: Option<&'static str>,
    /// Off unless selected (`select` in config or `--select`).
    pub default_enabled: bool,
    /// Its findings are code that has no effect (an editor fades it).
    pub unused_code: bool,
    /// The Markdown doc, compiled in from `rules/<slug>.md`.
    pub doc: &'static str,
}

/// Declares a rule: its unit struct (with the doc comment), its `META` and
/// the [`StaticRule`](super::StaticRule) impl that runs the file's
/// `fn check(cx: &mut Context<'_>)`. What is not said takes the default:
/// no fix, no hadolint code, no BuildKit check, on by default, not a
/// finding of code without effect. The doc is `rules/<slug>.md`.
///
/// ```text
/// declare_rule! {
///     /// `FROM image as name` or `from image AS name`.
///     FromAsCasing: RD108 "from-as-casing", Warning, "`AS` and `FROM` differ in case";
///     fix: Always, hadolint: ["DL3000"], buildkit: "FromAsCasing", off_by_default, unused_code
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[$attr:meta])*
        $name:ident: $id:ident $slug:literal, $severity:ident, $summary:literal
        $(; $($option:tt)+)?
    ) => {
        $(#[$attr])*
        pub(crate) struct $name;

        static META: $crate::rules::RuleMeta = declare_rule!(@options
            $crate::rules::RuleMeta::new(
                stringify!($id),
                $slug,
                $crate::diagnostic::Severity::$severity,
                $summary,
                include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $slug, ".md")),
            );
            $($($option)+)?
        );

        impl $crate::rules::StaticRule for $name {
            const META: &'static $crate::rules::RuleMeta = &META;

            fn check(&self, cx: &mut $crate::rules::Context<'_>) {
                check(cx)
            }
        }
    };
    (@options $meta:expr;) => { $meta };
    (@options $meta:expr; fix: $fix:ident $(, $($rest:tt)*)?) => {
        declare_rule!(@options $meta.with_fix($crate::rules::FixAvailability::$fix); $($($rest)*)?)
    };
    (@options $meta:expr; hadolint: [$($code:literal),*] $(, $($rest:tt)*)?) => {
        declare_rule!(@options $meta.with_hadolint(&[$($code),*]); $($($rest)*)?)
    };
    (@options $meta:expr; buildkit: $check:literal $(, $($rest:tt)*)?) => {
        declare_rule!(@options $meta.with_buildkit($check); $($($rest)*)?)
    };
    (@options $meta:expr; off_by_default $(, $($rest:tt)*)?) => {
        declare_rule!(@options $meta.off_by_default(); $($($rest)*)?)
    };
    (@options $meta:expr; unused_code $(, $($rest:tt)*)?) => {
        declare_rule!(@options $meta.marks_unused_code(); $($($rest)*)?)
    };
}

impl RuleMeta {
    /// A rule with the defaults [`declare_rule!`] describes; the methods
    /// below change one of them each.
    pub const fn new(
        id: &'static str,
        slug: &'static str,
        severity: Severity,
        summary: &'static str,
        doc: &'static str,
    ) -> RuleMeta {
        RuleMeta {
            id,
            slug,
            summary,
            severity,
            fix: FixAvailability::None,
            hadolint: &[],
            buildkit: None,
            default_enabled: true,
            unused_code: false,
            doc,
        }
    }

    pub const fn with_fix(self, fix: FixAvailability) -> RuleMeta {
        RuleMeta { fix, ..self }
    }

    pub const fn with_hadolint(self, hadolint: &'static [&'static str]) -> RuleMeta {
        RuleMeta { hadolint, ..self }
    }

    pub const fn with_buildkit(self, check: &'static str) -> RuleMeta {
        RuleMeta {
            buildkit: Some(check),
            ..self
        }
    }

    pub const fn off_by_default(self) -> RuleMeta {
        RuleMeta {
            default_enabled: false,
            ..self
        }
    }

    pub const fn marks_unused_code(self) -> RuleMeta {
        RuleMeta {
            unused_code: true,
            ..self
        }
    }

    /// The family a rule belongs to, from its hundreds digit.
    pub fn family(&self) -> &'static str {
        match self.id.as_bytes().get(2) {
            Some(b'0') => "syntax",
            Some(b'1') => "stages",
            Some(b'2') => "instructions",
            Some(b'3') => "shell",
            Some(b'4') => "images",
            Some(b'5') => "performance",
            _ => "other",
        }
    }

    /// Whether a suppression comment's code names this rule: an rdock
    /// selector that matches it, its hadolint code, or its BuildKit check
    /// (or `all`, for `# check=skip=all`).
    pub fn is_named_by(&self, code: &crate::suppress::Code) -> bool {
        use crate::suppress::Code;
        match code {
            Code::Rdock(sel) => super::matching(sel).iter().any(|m| m.id == self.id),
            Code::Hadolint(code) => self.hadolint.iter().any(|h| h.eq_ignore_ascii_case(code)),
            Code::Buildkit(name) => {
                name.eq_ignore_ascii_case("all")
                    || self.buildkit.is_some_and(|b| b.eq_ignore_ascii_case(name))
            }
        }
    }

    /// Where the doc is published.
    pub fn url(&self) -> String {
        format!("{}/blob/main/rules/{}.md", REPOSITORY, self.slug)
    }
}

/// The generated part of a rule's doc, between the markers.
pub fn doc_header(m: &RuleMeta) -> String {
    let dash = |s: Option<String>| s.unwrap_or_else(|| "—".to_string());
    let hadolint = (!m.hadolint.is_empty()).then(|| m.hadolint.join(", "));
    format!(
        "| Code | Default severity | Fix | On by default | hadolint | BuildKit check |\n|---|---|---|---|---|---|\n| `{}` | {} | {} | {} | {} | {} |\n",
        m.id,
        m.severity,
        m.fix.as_str(),
        if m.default_enabled { "yes" } else { "no" },
        dash(hadolint),
        dash(m.buildkit.map(str::to_string)),
    )
}

pub const GENERATED_BEGIN: &str = "<!-- begin generated -->\n";
pub const GENERATED_END: &str = "<!-- end generated -->\n";
