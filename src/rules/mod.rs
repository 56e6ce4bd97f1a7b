//! The rules engine: the `Rule` trait, the registry (one list), rule
//! selection, and the context rules read and report through.

#[macro_use]
mod meta; // first: `declare_rule!`, which every rule file uses

mod add_instead_of_copy;
mod apk_add_cache;
mod apk_add_unpinned;
mod apt_command;
mod apt_get_install_recommends;
mod apt_get_install_without_yes;
mod apt_get_unpinned;
mod apt_lists_not_removed;
mod bin_sh_replaced;
mod build;
mod cd_instead_of_workdir;
mod circular_stage_reference;
mod consecutive_dependent_run;
mod consistent_instruction_casing;
mod constant_platform_flag;
mod copied_archive_extracted;
mod copy_ignored_file;
mod copy_relative_destination;
mod copy_sources_to_file;
mod copy_whole_filesystem;
mod declare_masks_status;
mod disallowed_registry;
mod dnf_cache_not_cleaned;
mod dnf_install_without_yes;
mod dnf_unpinned;
mod duplicate_stage_name;
mod empty_continuation_line;
mod env_self_reference;
mod expose_host_port;
mod expose_port_out_of_range;
mod expose_protocol_casing;
mod forward_stage_reference;
mod from_as_casing;
mod gem_unpinned;
mod go_install_unpinned;
mod healthcheck_missing;
mod image_without_tag;
mod inline_ignore;
mod instruction_before_from;
mod invalid_base_image_platform;
mod invalid_default_arg_in_from;
mod invalid_definition_description;
mod invalid_label_key;
mod last_user_root;
mod legacy_key_value_format;
mod maintainer_instruction;
mod non_numeric_user;
mod npm_unpinned;
mod packages;
mod pip_install_cache;
mod pip_unpinned;
mod pipe_without_pipefail;
mod pointless_command;
mod redundant_target_platform;
mod relative_workdir;
mod repeated_final_instruction;
mod reserved_stage_name;
mod runs;
mod secret_in_arg_or_env;
mod serial_independent_runs;
mod shell_form_cmd;
mod shell_syntax_error;
mod single_quoted_expansion;
mod stage_name_casing;
mod sudo_command;
mod syntax_error;
mod undefined_arg_in_from;
mod undefined_variable;
mod unknown_stage_reference;
mod unknown_target;
mod unquoted_command_substitution;
mod unquoted_variable;
mod unreachable_stage;
mod useradd_large_uid;
mod util;
mod wget_and_curl;
mod wget_progress;
mod yarn_cache_not_cleaned;
mod yum_cache_not_cleaned;
mod yum_install_without_yes;
mod yum_unpinned;
mod zypper_cache_not_cleaned;
mod zypper_dist_upgrade;
mod zypper_unpinned;
mod zypper_without_yes;

pub use build::BuildSettings;
pub use meta::{doc_header, FixAvailability, RuleMeta, GENERATED_BEGIN, GENERATED_END, REPOSITORY};

use crate::diagnostic::{Diagnostic, Span};
use crate::graph::StageGraph;
use crate::model::Model;

/// Every rule, in id order. This list is the registry.
static REGISTRY: &[&dyn Rule] = &[
    &syntax_error::SyntaxError,
    &empty_continuation_line::EmptyContinuationLine,
    &consistent_instruction_casing::ConsistentInstructionCasing,
    &invalid_definition_description::InvalidDefinitionDescription,
    &inline_ignore::InlineIgnore,
    &unreachable_stage::UnreachableStage,
    &unknown_stage_reference::UnknownStageReference,
    &circular_stage_reference::CircularStageReference,
    &forward_stage_reference::ForwardStageReference,
    &duplicate_stage_name::DuplicateStageName,
    &reserved_stage_name::ReservedStageName,
    &stage_name_casing::StageNameCasing,
    &from_as_casing::FromAsCasing,
    &unknown_target::UnknownTarget,
    &undefined_arg_in_from::UndefinedArgInFrom,
    &invalid_default_arg_in_from::InvalidDefaultArgInFrom,
    &constant_platform_flag::ConstantPlatformFlag,
    &redundant_target_platform::RedundantTargetPlatform,
    &repeated_final_instruction::RepeatedFinalInstruction,
    &invalid_base_image_platform::InvalidBaseImagePlatform,
    &maintainer_instruction::MaintainerInstruction,
    &shell_form_cmd::ShellFormCmd,
    &legacy_key_value_format::LegacyKeyValueFormat,
    &undefined_variable::UndefinedVariable,
    &relative_workdir::RelativeWorkdir,
    &secret_in_arg_or_env::SecretInArgOrEnv,
    &expose_protocol_casing::ExposeProtocolCasing,
    &expose_host_port::ExposeHostPort,
    &copy_ignored_file::CopyIgnoredFile,
    &pipe_without_pipefail::PipeWithoutPipefail,
    &unquoted_variable::UnquotedVariable,
    &unquoted_command_substitution::UnquotedCommandSubstitution,
    &declare_masks_status::DeclareMasksStatus,
    &single_quoted_expansion::SingleQuotedExpansion,
    &shell_syntax_error::ShellSyntaxError,
    &apt_get_install_without_yes::AptGetInstallWithoutYes,
    &apt_get_install_recommends::AptGetInstallRecommends,
    &apt_lists_not_removed::AptListsNotRemoved,
    &apt_get_unpinned::AptGetUnpinned,
    &apk_add_unpinned::ApkAddUnpinned,
    &apk_add_cache::ApkAddCache,
    &cd_instead_of_workdir::CdInsteadOfWorkdir,
    &image_without_tag::ImageWithoutTag,
    &add_instead_of_copy::AddInsteadOfCopy,
    &last_user_root::LastUserRoot,
    &wget_and_curl::WgetAndCurl,
    &wget_progress::WgetProgress,
    &consecutive_dependent_run::ConsecutiveDependentRun,
    &sudo_command::SudoCommand,
    &pip_install_cache::PipInstallCache,
    &pip_unpinned::PipUnpinned,
    &npm_unpinned::NpmUnpinned,
    &gem_unpinned::GemUnpinned,
    &apt_command::AptCommand,
    &yum_install_without_yes::YumInstallWithoutYes,
    &yum_cache_not_cleaned::YumCacheNotCleaned,
    &yum_unpinned::YumUnpinned,
    &zypper_without_yes::ZypperWithoutYes,
    &zypper_dist_upgrade::ZypperDistUpgrade,
    &zypper_cache_not_cleaned::ZypperCacheNotCleaned,
    &zypper_unpinned::ZypperUnpinned,
    &dnf_install_without_yes::DnfInstallWithoutYes,
    &dnf_cache_not_cleaned::DnfCacheNotCleaned,
    &dnf_unpinned::DnfUnpinned,
    &yarn_cache_not_cleaned::YarnCacheNotCleaned,
    &go_install_unpinned::GoInstallUnpinned,
    &env_self_reference::EnvSelfReference,
    &copy_relative_destination::CopyRelativeDestination,
    &useradd_large_uid::UseraddLargeUid,
    &invalid_label_key::InvalidLabelKey,
    &pointless_command::PointlessCommand,
    &expose_port_out_of_range::ExposePortOutOfRange,
    &copy_sources_to_file::CopySourcesToFile,
    &instruction_before_from::InstructionBeforeFrom,
    &bin_sh_replaced::BinShReplaced,
    &copied_archive_extracted::CopiedArchiveExtracted,
    &non_numeric_user::NonNumericUser,
    &copy_whole_filesystem::CopyWholeFilesystem,
    &healthcheck_missing::HealthcheckMissing,
    &disallowed_registry::DisallowedRegistry,
    &serial_independent_runs::SerialIndependentRuns,
];

pub fn registry() -> &'static [&'static dyn Rule] {
    REGISTRY
}

/// Whether rdock assumes that a base image sets the variable `name` (`HOME`,
/// `JAVA_HOME`, ...): without a registry it cannot read an image's ENV, so
/// UndefinedVar stays quiet about these on stages built from an image.
pub fn assumed_image_env(name: &str) -> bool {
    undefined_variable::IMAGE_ENV.contains(&name)
}

pub use undefined_variable::may_come_from_image;

/// A lint rule: metadata plus a check over the shared model. What the
/// registry holds; a rule file implements [`StaticRule`] (through
/// `declare_rule!`), which gives it.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut Context<'_>);
}

/// How a rule is written: its file's `META` and its check.
pub trait StaticRule: Sync {
    const META: &'static RuleMeta;
    fn check(&self, cx: &mut Context<'_>);
}

impl<R: StaticRule> Rule for R {
    fn meta(&self) -> &'static RuleMeta {
        R::META
    }

    fn check(&self, cx: &mut Context<'_>) {
        StaticRule::check(self, cx);
    }
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
    if upper.len() > 2 && upper.starts_with("RD") && upper[2..].chars().all(|c| c.is_ascii_digit())
    {
        return metas().filter(|m| m.id.starts_with(&upper)).collect();
    }
    metas().filter(|m| m.slug == sel).collect()
}

/// Whether a selector names at least one rule.
pub fn is_known_selector(selector: &str) -> bool {
    !matching(selector).is_empty()
}

/// What a rule sees and how it reports.
pub struct Context<'a> {
    pub model: &'a Model<'a>,
    pub graph: &'a StageGraph,
    pub settings: &'a BuildSettings,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Whether the caller gave up on the result (see `crate::check_unless`).
    pub(crate) cancelled: &'a (dyn Fn() -> bool + Sync),
}

impl<'a> Context<'a> {
    pub fn new(model: &'a Model<'a>, graph: &'a StageGraph, settings: &'a BuildSettings) -> Self {
        Context {
            model,
            graph,
            settings,
            diagnostics: Vec::new(),
            cancelled: &|| false,
        }
    }

    /// Whether the result is no longer wanted: a rule that loops over many
    /// stages may stop early (the result is dropped).
    pub fn cancelled(&self) -> bool {
        (self.cancelled)()
    }

    pub fn text(&self) -> &'a str {
        self.model.text
    }

    /// Report a finding of `meta` at `span`; refine it through the returned reference.
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::new(
            meta.id,
            meta.slug,
            meta.severity,
            span,
            message,
        ));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// The rule table of the README, generated from the registry.
pub fn readme_table() -> String {
    let mut out = String::from("| Code | Name | Summary | Severity | Fix | hadolint | BuildKit |\n|---|---|---|---|---|---|---|\n");
    for m in metas() {
        let fix = match m.fix {
            FixAvailability::None => "",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "yes",
        };
        out.push_str(&format!(
            "| {} | [{}](rules/{}.md) | {} | {}{} | {} | {} | {} |\n",
            m.id,
            m.slug,
            m.slug,
            m.summary.replace('|', "\\|"),
            m.severity,
            if m.default_enabled {
                ""
            } else {
                " (off by default)"
            },
            fix,
            m.hadolint.join(", "),
            m.buildkit.unwrap_or(""),
        ));
    }
    out
}
