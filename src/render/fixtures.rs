//! Hand-built results shared by the renderer tests.

use super::FileResult;
use crate::diagnostic::{Diagnostic, Related, Severity, Span};
use crate::fix::{Applicability, Edit, Fix};
use crate::rules::{FixAvailability, RuleMeta};

pub const STAGE_CASE: RuleMeta = RuleMeta::new(
    "RD102",
    "stage-reference-case-mismatch",
    Severity::Error,
    "`--from` names a stage with different case",
    "# stage-reference-case-mismatch (RD102)\n\nStage names are matched exactly by some builders.\n",
)
.with_fix(FixAvailability::Always)
.with_buildkit("StageNameCasing");

pub const UNREACHABLE: RuleMeta = RuleMeta::new(
    "RD101",
    "unreachable-stage",
    Severity::Warning,
    "A stage no target depends on",
    "# unreachable-stage (RD101)\n\nThe stage is never built.\n",
);

pub const MAINTAINER: RuleMeta = RuleMeta::new(
    "RD205",
    "maintainer-label",
    Severity::Style,
    "`maintainer` label instead of the OCI authors label",
    "# maintainer-label (RD205)\n\nUse `org.opencontainers.image.authors`.\n",
)
.with_fix(FixAvailability::Sometimes)
.off_by_default();

pub const APT_YES: RuleMeta = RuleMeta::new(
    "RD302",
    "apt-get-missing-yes",
    Severity::Warning,
    "`apt-get install` without `-y`",
    "# apt-get-missing-yes (RD302)\n\nA build cannot answer prompts.\n",
)
.with_fix(FixAvailability::Always)
.with_hadolint(&["DL3014"]);

pub const UNTAGGED: RuleMeta = RuleMeta::new(
    "RD401",
    "untagged-image",
    Severity::Info,
    "An image without a tag or digest",
    "# untagged-image (RD401)\n\nPin a tag or a digest.\n",
)
.with_hadolint(&["DL3006"]);

pub fn rules() -> Vec<&'static RuleMeta> {
    vec![&UNREACHABLE, &STAGE_CASE, &MAINTAINER, &APT_YES, &UNTAGGED]
}

/// The span of the `nth` (0-based) occurrence of `needle` in `text`.
pub fn find(text: &str, needle: &str, nth: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("fixture: {needle:?} #{nth} not in text"));
    Span::new(start, start + needle.len())
}

pub const ROOT: &str = "\
FROM golang:1.22 AS build
RUN go build -o /app .

FROM alpine:3.19
COPY --from=Build /app /app
";

pub const API: &str = "\
FROM ubuntu
RUN echo \"héllo wörld ☕\" && apt-get install curl
LABEL maintainer=\"Zoë\"
";

/// Two files: an error with a related location and a safe fix, a warning
/// with an unsafe fix on a non-ASCII line, an info without a fix and a
/// style finding with a display-only fix.
pub fn results() -> Vec<FileResult> {
    let build_ref = find(ROOT, "Build", 0);
    let mut err = Diagnostic::new(
        "RD102",
        "stage-reference-case-mismatch",
        Severity::Error,
        build_ref,
        "`--from=Build` refers to stage `build` with different case",
    );
    err.label = Some("written `Build` here".into());
    err.related.push(Related {
        span: find(ROOT, "build", 0),
        message: "stage `build` is declared here".into(),
    });
    err.help = Some("Spell the stage name as it is declared.".into());
    err.fix = Some(Fix::safe(
        "Rename `Build` to `build`",
        vec![Edit::replace(build_ref, "build")],
    ));

    let untagged = Diagnostic::new(
        "RD401",
        "untagged-image",
        Severity::Info,
        find(API, "ubuntu", 0),
        "Image `ubuntu` has no tag or digest",
    );

    let install = find(API, "apt-get install curl", 0);
    let mut warn = Diagnostic::new(
        "RD302",
        "apt-get-missing-yes",
        Severity::Warning,
        install,
        "`apt-get install` without `-y` waits for an answer",
    );
    warn.fix = Some(Fix::unsafe_(
        "Add `-y` to `apt-get install`",
        vec![Edit::insert(install.start + "apt-get install".len(), " -y")],
    ));

    let key = find(API, "maintainer", 0);
    let mut style = Diagnostic::new(
        "RD205",
        "maintainer-label",
        Severity::Style,
        key,
        "Label `maintainer` is superseded by `org.opencontainers.image.authors`",
    );
    style.fix = Some(Fix::new(
        "Use `org.opencontainers.image.authors`",
        vec![Edit::replace(key, "org.opencontainers.image.authors")],
        Applicability::DisplayOnly,
    ));

    vec![
        FileResult::new("Dockerfile", ROOT, vec![err]),
        FileResult::new("services/api/Dockerfile", API, vec![untagged, warn, style]),
    ]
}

/// One file without findings.
pub fn clean() -> Vec<FileResult> {
    vec![FileResult::new(
        "Dockerfile",
        "FROM alpine:3.19\n",
        Vec::new(),
    )]
}

/// A finding whose message and path try to break out of their format.
pub fn hostile() -> Vec<FileResult> {
    let text = "FROM a\n";
    let mut d = Diagnostic::new(
        "RD999",
        "not-a-rule",
        Severity::Error,
        Span::new(5, 6),
        "100% <bad> & \"quoted\" 'single'\r\nsecond line: a,b\u{1b}[31m\u{0}\tend",
    );
    d.help = Some("::error::injected".into());
    vec![FileResult::new(
        "dir,x/we:ird&<name>.Dockerfile",
        text,
        vec![d],
    )]
}

/// Render `results` in `format` to a string, with colour off.
pub fn render_to_string(
    format: super::OutputFormat,
    results: &[FileResult],
    opts: &super::RenderOptions,
) -> String {
    render_with_errors(format, results, &[], opts)
}

/// [`results`] in `format`, with the default options.
pub fn render_results(format: super::OutputFormat) -> String {
    render_results_with(format, &super::RenderOptions::default())
}

/// [`results`] in `format`, with `opts`.
pub fn render_results_with(format: super::OutputFormat, opts: &super::RenderOptions) -> String {
    render_to_string(format, &results(), opts)
}

/// No results in `format`, with the default options.
pub fn render_empty(format: super::OutputFormat) -> String {
    render_to_string(format, &[], &super::RenderOptions::default())
}

/// [`hostile`] in `format`, with the default options.
pub fn render_hostile(format: super::OutputFormat) -> String {
    render_to_string(format, &hostile(), &super::RenderOptions::default())
}

/// [`results`] and [`errors`] in `format`, with the default options.
pub fn render_errors(format: super::OutputFormat) -> String {
    render_with_errors(
        format,
        &results(),
        &errors(),
        &super::RenderOptions::default(),
    )
}

/// Render `results` and `errors` in `format` to a string, with colour off.
pub fn render_with_errors(
    format: super::OutputFormat,
    results: &[FileResult],
    errors: &[super::RunError],
    opts: &super::RenderOptions,
) -> String {
    let mut out = Vec::new();
    let report = super::Report {
        results,
        errors,
        rules: &rules(),
        opts,
    };
    super::render(format, &report, &mut out).expect("write to Vec");
    String::from_utf8(out).expect("renderers write UTF-8")
}

/// The errors of a run: an unreadable file, a broken configuration at a
/// line and column, a fix not written, a bad command-line value, and one
/// whose text tries to break out of its format.
pub fn errors() -> Vec<super::RunError> {
    use super::RunError;
    vec![
        RunError {
            path: Some("missing/Dockerfile".into()),
            line_col: None,
            message: "cannot read `missing/Dockerfile`: Permission denied (os error 13)".into(),
            help: Some("check the path and its permissions".into()),
        },
        RunError {
            path: Some("svc/.rdock.toml".into()),
            line_col: Some((3, 9)),
            message: "unknown severity `fatal`".into(),
            help: Some("severities are \"error\", \"warning\", \"info\" and \"style\"".into()),
        },
        RunError {
            path: Some("Dockerfile".into()),
            line_col: None,
            message:
                "`Dockerfile` was not fixed: it is read-only (mode 444); make it writable to fix it"
                    .into(),
            help: Some("make it writable (`chmod u+w`), or fix it by hand".into()),
        },
        RunError {
            path: None,
            line_col: None,
            message: "empty target name in --target".into(),
            help: None,
        },
        RunError {
            path: Some("dir,x/we:ird&<name>.Dockerfile".into()),
            line_col: None,
            message: "100% <bad> & \"quoted\"\r\n::error::injected\u{1b}[31m".into(),
            help: None,
        },
    ]
}
