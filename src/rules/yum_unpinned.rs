use super::runs::{operands_after, positional, rpm_versioned, runs, tool_sub, RPM_VALUED};
use super::{Context, FixAvailability, Rule, RuleMeta};
use crate::diagnostic::Severity;

/// `yum install` of a package without a version.
pub(crate) struct YumUnpinned;

static META: RuleMeta = RuleMeta {
    id: "RD421",
    slug: "yum-unpinned",
    summary: "`yum install` without pinned versions",
    severity: Severity::Info,
    fix: FixAvailability::None,
    hadolint: &["DL3033"],
    buildkit: None,
    default_enabled: false,
    unused_code: false,
    doc: include_str!("../../rules/yum-unpinned.md"),
};

impl Rule for YumUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &mut Context<'_>) {
        for run in runs(cx.model) {
            if !run.posix {
                continue;
            }
            for cmd in &run.script.commands {
                report_unpinned(cx, cmd, &["yum"], &META);
            }
        }
    }
}

/// Unpinned packages of `<tool> install` and modules of `<tool> module install`.
pub(crate) fn report_unpinned(
    cx: &mut Context<'_>,
    cmd: &crate::shell::Command,
    tools: &[&str],
    meta: &'static RuleMeta,
) {
    let module = tool_sub(cmd, tools, &["module"], RPM_VALUED).is_some();
    let sub = if module {
        positional(cmd, RPM_VALUED)
            .get(1)
            .copied()
            .filter(|w| w.is("install"))
    } else {
        tool_sub(cmd, tools, &["install"], RPM_VALUED)
    };
    let Some(sub) = sub else { return };
    for p in operands_after(cmd, sub, RPM_VALUED) {
        let Some(t) = p.lit.as_deref() else { continue };
        let ok = if module {
            t.contains(':')
        } else {
            rpm_versioned(t)
        };
        if ok {
            continue;
        }
        let d = cx.report(
            meta,
            p.span,
            if module {
                format!("module `{t}` names no stream (`{t}:<stream>`)")
            } else {
                format!("package `{t}` is not pinned to a version")
            },
        );
        d.label = Some("unpinned".into());
        d.help = Some(if module {
            format!("write `{t}:<stream>`")
        } else {
            format!("write `{t}-<version>`")
        });
    }
}
