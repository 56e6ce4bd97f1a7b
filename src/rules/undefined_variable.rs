use super::util::{expanded_words, flag_word, root_base, sub_span};
use super::Context;
use crate::model::expand::references;
use crate::model::Base;
use crate::syntax::Kind;
use strsim::levenshtein;

declare_rule! {
    /// A variable used in an instruction that no ARG or ENV in scope defines.
    UndefinedVariable: RD203 "undefined-variable", Warning, "Variable is not defined by an ARG or ENV in scope";
    buildkit: "UndefinedVar"
}

/// Variables base images commonly set. Without a registry rdock cannot read
/// a base image's environment, so on a stage built from an image these are
/// assumed to come from it.
pub(crate) const IMAGE_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "HOSTNAME",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "TZ",
    "TERM",
    "USER",
    "SHELL",
    "DEBIAN_FRONTEND",
    "LD_LIBRARY_PATH",
    "PKG_CONFIG_PATH",
    "JAVA_HOME",
    "JAVA_VERSION",
    "JDK_VERSION",
    "JRE_HOME",
    "MAVEN_HOME",
    "MAVEN_CONFIG",
    "GRADLE_HOME",
    "GRADLE_VERSION",
    "CATALINA_HOME",
    "GOPATH",
    "GOROOT",
    "GOLANG_VERSION",
    "GOTOOLCHAIN",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUST_VERSION",
    "NODE_VERSION",
    "YARN_VERSION",
    "NPM_CONFIG_PREFIX",
    "PYTHON_VERSION",
    "PYTHON_PIP_VERSION",
    "PYTHON_SETUPTOOLS_VERSION",
    "PYTHON_SHA256",
    "GPG_KEY",
    "PYTHONPATH",
    "PYTHONUNBUFFERED",
    "VIRTUAL_ENV",
    "CONDA_DIR",
    "RUBY_VERSION",
    "RUBY_MAJOR",
    "GEM_HOME",
    "BUNDLE_PATH",
    "BUNDLE_SILENCE_ROOT_WARNING",
    "BUNDLE_APP_CONFIG",
    "PHP_VERSION",
    "PHP_INI_DIR",
    "PHPIZE_DEPS",
    "NGINX_VERSION",
    "NJS_VERSION",
    "HTTPD_PREFIX",
    "DOTNET_VERSION",
    "ASPNET_VERSION",
    "ASPNETCORE_URLS",
    "DOTNET_RUNNING_IN_CONTAINER",
    "APP_ROOT",
    "APP_UID",
    "HOME_DIR",
    "ERLANG_VERSION",
    "ELIXIR_VERSION",
    "PGDATA",
    "PG_MAJOR",
    "PG_VERSION",
    "MYSQL_VERSION",
    "MARIADB_VERSION",
    "REDIS_VERSION",
    "MONGO_VERSION",
    "SBT_VERSION",
    "SCALA_VERSION",
    "KOTLIN_VERSION",
    "FLUTTER_HOME",
    "ANDROID_HOME",
    "ANDROID_SDK_ROOT",
    "NVM_DIR",
    "DENO_INSTALL",
    "BUN_INSTALL",
];

/// BuildKit's automatic platform ARGs: set for FROM lines, and inside a
/// stage only after `ARG NAME` (images do not set them).
const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// Whether `name`, which no ARG or ENV in scope defines at instruction
/// `ii` of `stage`, may be set by the environment of the stage's base
/// image, which rdock cannot read offline: the stage is built from an image
/// (not `scratch`) and the name is one images commonly set, or one the file
/// never defines anywhere else (not a global ARG or another stage's ARG or
/// ENV, which would be a scoping mistake), that is not a near miss of a name in
/// scope (a typo) nor a platform ARG. (Real repositories use `$NB_UID`
/// from jupyter images, `$STI_SCRIPTS_PATH` from s2i images, ...)
pub fn may_come_from_image(
    model: &crate::model::Model<'_>,
    stage: usize,
    ii: usize,
    name: &str,
) -> bool {
    if !matches!(root_base(model, stage), Base::Image { .. }) {
        return false;
    }
    if IMAGE_ENV.contains(&name) {
        return true;
    }
    if PLATFORM_ARGS.contains(&name) {
        return false;
    }
    let scope = &model.scope;
    // (Not counting this stage's own later definitions, nor the instruction
    // itself: `ENV LD_PRELOAD=/x.so:$LD_PRELOAD` appends to what the image
    // may have set.)
    let others = scope
        .stages
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != stage)
        .flat_map(|(_, defs)| defs);
    let mut declared = scope.global.iter().chain(others);
    if declared.any(|d| d.name == name && d.instruction != Some(ii)) {
        return false;
    }
    let in_scope = scope
        .stages
        .get(stage)
        .into_iter()
        .flatten()
        .filter(|d| d.instruction.is_none_or(|i| i < ii));
    !in_scope
        .into_iter()
        .any(|d| levenshtein(&d.name, name) <= 2)
}

/// Whether `text` (a value) assigns `name` as shell code does (`(OUT=$(cmd)
/// || echo $OUT)`, `; N=1`): a script meant for a RUN, kept in an ARG or ENV.
/// Its `$name` is expanded now, when the instruction runs, not by the shell
/// later: a variable of the script, not of the base image.
fn assigned_as_shell(text: &str, name: &str) -> bool {
    let b = text.as_bytes();
    text.match_indices(name).any(|(at, _)| {
        at > 0 && b" \t\n(;&|`\"'".contains(&b[at - 1]) && b.get(at + name.len()) == Some(&b'=')
    })
}

fn check(cx: &mut Context<'_>) {
    let model = cx.model;
    let escape = model.ast.escape;
    for stage in &model.stages {
        let from_image = matches!(root_base(model, stage.index), Base::Image { .. });
        for &ii in &stage.body {
            let inst = model.instruction(ii);
            if !matches!(
                inst.kind(),
                Kind::Add
                    | Kind::Arg
                    | Kind::Copy
                    | Kind::Env
                    | Kind::Expose
                    | Kind::Label
                    | Kind::StopSignal
                    | Kind::User
                    | Kind::Volume
                    | Kind::Workdir
            ) {
                continue;
            }
            let mut words: Vec<_> = expanded_words(&inst.args).into_iter().cloned().collect();
            if matches!(inst.kind(), Kind::Copy | Kind::Add) {
                words.extend(
                    inst.flags
                        .iter()
                        .filter(|f| matches!(f.name.as_str(), "chown" | "chmod" | "from"))
                        .filter_map(flag_word),
                );
            }
            for word in &words {
                if word.text.starts_with("<<") {
                    continue;
                }
                for r in references(&word.text, escape) {
                    // `${V:-default}`: an explicit fallback, not a mistake.
                    if r.is_special() || r.has_default {
                        continue;
                    }
                    if model.scope.lookup(Some(stage.index), ii, &r.name).is_some() {
                        continue;
                    }
                    if from_image
                        && may_come_from_image(model, stage.index, ii, &r.name)
                        && !assigned_as_shell(&word.text, &r.name)
                    {
                        continue;
                    }
                    // BuildKit gives every stage a default PATH, even
                    // `FROM scratch` (`/usr/local/sbin:...:/bin`).
                    if r.name == "PATH" {
                        continue;
                    }
                    let defs = model.scope.stages.get(stage.index);
                    let suggestion = defs
                        .into_iter()
                        .flatten()
                        .filter(|d| d.instruction.is_none_or(|i| i < ii))
                        .map(|d| d.name.as_str())
                        .find(|n| levenshtein(n, &r.name) <= 2);
                    let global = model
                        .scope
                        .global
                        .iter()
                        .any(|d| d.name == r.name && d.instruction.is_some());
                    cx.report(
                        &META,
                        sub_span(word, &r.span),
                        format!("usage of undefined variable `${}`", r.name),
                    )
                    .label("not defined here")
                    .help(if assigned_as_shell(&word.text, &r.name) {
                        format!(
                            "this value assigns `{0}` as shell code, for a later RUN: BuildKit expands `${0}` now; write `\\${0}` to leave it to that shell",
                            r.name
                        )
                    } else if global {
                        format!(
                            "`{0}` is a global ARG: declare `ARG {0}` in this stage to use it",
                            r.name
                        )
                    } else if let Some(s) = suggestion {
                        format!("did you mean `${s}`?")
                    } else {
                        format!(
                            "define it with `ARG {0}` or `ENV {0}=...` before this line",
                            r.name
                        )
                    });
                }
            }
        }
    }
}
