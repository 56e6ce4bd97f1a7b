//! ARG and ENV scoping with BuildKit's rules.
//!
//! - Global ARGs (before the first FROM) and the automatic platform ARGs are
//!   visible in FROM lines only; a stage sees a global ARG after `ARG NAME`.
//! - `--build-arg` overrides an ARG's default.
//! - ENV wins over an ARG of the same name.
//! - A stage built `FROM` another stage inherits its ARGs and ENV.

use super::expand::{Env, Expansion, Lexer};
use super::{BuildInputs, Model};
use crate::syntax::Kind;
use crate::text::Span;

/// The ARGs BuildKit defines by itself, with the values of a linux/amd64 build.
pub const AUTOMATIC_ARGS: [(&str, &str); 8] = [
    ("TARGETPLATFORM", "linux/amd64"),
    ("TARGETOS", "linux"),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
    ("BUILDPLATFORM", "linux/amd64"),
    ("BUILDOS", "linux"),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarOrigin {
    /// BuildKit's automatic platform ARGs.
    Automatic,
    Arg,
    Env,
    /// From the base stage.
    Inherited,
}

/// One definition of a variable.
#[derive(Debug, Clone)]
pub struct VarDef {
    pub name: String,
    /// `None` when declared without a value and none was given.
    pub value: Option<String>,
    pub origin: VarOrigin,
    /// The instruction that defines it (index into `Model::instructions`).
    pub instruction: Option<usize>,
    /// The key's span.
    pub span: Option<Span>,
    /// Whether the value came from `--build-arg`.
    pub from_build_arg: bool,
}

/// Every definition, by stage, in order.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub global: Vec<VarDef>,
    pub stages: Vec<Vec<VarDef>>,
    /// Where each name is defined in `global` and in each stage's list:
    /// a lookup reads the definitions of one name, not the whole list (a
    /// stage of 80,000 ENVs was quadratic).
    global_names: Names,
    stage_names: Vec<Names>,
}

/// Positions in a definition list, by name, in order.
type Names = std::collections::HashMap<String, Vec<usize>>;

/// The definitions `defs` as an instruction before `before` sees them.
struct View<'a> {
    defs: &'a [VarDef],
    names: &'a Names,
    before: Option<usize>,
}

impl<'a> View<'a> {
    fn find(&self, name: &str) -> Option<&'a VarDef> {
        let at = self.names.get(name)?;
        // Definitions come in order: inherited ones (no instruction) first,
        // then by instruction, so the visible ones are a prefix.
        let visible = match self.before {
            Some(b) => at.partition_point(|&k| self.defs[k].instruction.is_none_or(|i| i < b)),
            None => at.len(),
        };
        let visible = at[..visible].iter().rev().map(|&k| &self.defs[k]);
        visible
            .clone()
            .find(|d| d.origin == VarOrigin::Env)
            .or_else(|| visible.clone().next())
    }
}

/// `word` expanded with every definition of `defs` visible.
fn expand_with(lexer: &Lexer, word: &str, defs: &[VarDef], names: &Names) -> Option<String> {
    let view = View {
        defs,
        names,
        before: None,
    };
    lexer.process_word(word, &view).ok().map(|e| e.value)
}

fn push(defs: &mut Vec<VarDef>, names: &mut Names, def: VarDef) {
    names.entry(def.name.clone()).or_default().push(defs.len());
    defs.push(def);
}

impl Env for View<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.find(name).and_then(|d| d.value.as_deref())
    }
}

impl Scope {
    pub(super) fn build(model: &Model<'_>, inputs: &BuildInputs) -> Scope {
        let escape = model.ast.escape;
        let lexer = Lexer::new(escape);
        let mut global_names = Names::new();
        let mut global: Vec<VarDef> = AUTOMATIC_ARGS
            .iter()
            .map(|(n, v)| VarDef {
                name: n.to_string(),
                value: Some(
                    inputs
                        .build_args
                        .get(*n)
                        .cloned()
                        .unwrap_or_else(|| v.to_string()),
                ),
                origin: VarOrigin::Automatic,
                instruction: None,
                span: None,
                from_build_arg: inputs.build_args.contains_key(*n),
            })
            .collect();
        for (k, d) in global.iter().enumerate() {
            global_names.entry(d.name.clone()).or_default().push(k);
        }
        for &ii in &model.global_args {
            for kv in super::pairs(model.instruction(ii)) {
                let name = kv.key.text.clone();
                let default = kv
                    .value
                    .as_ref()
                    .and_then(|v| expand_with(&lexer, &v.text, &global, &global_names));
                let given = inputs.build_args.get(&name).cloned();
                let def = VarDef {
                    from_build_arg: given.is_some(),
                    value: given.or(default),
                    name,
                    origin: VarOrigin::Arg,
                    instruction: Some(ii),
                    span: Some(kv.key.span),
                };
                push(&mut global, &mut global_names, def);
            }
        }
        let mut stages: Vec<Vec<VarDef>> = Vec::with_capacity(model.stages.len());
        let mut stage_names: Vec<Names> = Vec::with_capacity(model.stages.len());
        for stage in &model.stages {
            let mut defs: Vec<VarDef> = match &stage.base {
                super::Base::Stage(b) if *b < stages.len() => stages[*b]
                    .iter()
                    .map(|d| VarDef {
                        origin: VarOrigin::Inherited,
                        instruction: None,
                        ..d.clone()
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mut names = Names::new();
            for (k, d) in defs.iter().enumerate() {
                names.entry(d.name.clone()).or_default().push(k);
            }
            for &ii in &stage.body {
                let inst = model.instruction(ii);
                let origin = match inst.kind() {
                    Kind::Arg => VarOrigin::Arg,
                    Kind::Env => VarOrigin::Env,
                    _ => continue,
                };
                for kv in super::pairs(inst) {
                    let name = kv.key.text.clone();
                    let expanded = kv
                        .value
                        .as_ref()
                        .and_then(|v| expand_with(&lexer, &v.text, &defs, &names));
                    let (value, from_build_arg) = if origin == VarOrigin::Arg {
                        match inputs.build_args.get(&name) {
                            Some(v) => (Some(v.clone()), true),
                            None if kv.value.is_some() => (expanded, false),
                            None => (
                                global_names
                                    .get(&name)
                                    .and_then(|at| at.last())
                                    .and_then(|&k| global[k].value.clone()),
                                false,
                            ),
                        }
                    } else {
                        (Some(expanded.unwrap_or_default()), false)
                    };
                    let def = VarDef {
                        name,
                        value,
                        origin,
                        instruction: Some(ii),
                        span: Some(kv.key.span),
                        from_build_arg,
                    };
                    push(&mut defs, &mut names, def);
                }
            }
            stages.push(defs);
            stage_names.push(names);
        }
        Scope {
            global,
            stages,
            global_names,
            stage_names,
        }
    }

    /// Expand a word of a FROM line (global scope). `None` when it cannot be expanded.
    pub fn expand_global(&self, word: &str, escape: char) -> Option<String> {
        let view = View {
            defs: &self.global,
            names: &self.global_names,
            before: None,
        };
        Lexer::new(escape)
            .process_word(word, &view)
            .ok()
            .map(|e| e.value)
    }

    /// [`Scope::expand_global`] with the variables the word reads, each
    /// with whether it had a value. `None` when it cannot be expanded.
    pub fn expand_global_refs(&self, word: &str, escape: char) -> Option<Expansion> {
        let view = View {
            defs: &self.global,
            names: &self.global_names,
            before: None,
        };
        Lexer::new(escape).process_word(word, &view).ok()
    }

    /// Expand `word` as instruction `ii` of its stage sees it.
    pub fn expand_at(&self, ii: usize, stage: usize, word: &str, escape: char) -> Option<String> {
        let view = View {
            defs: self.stages.get(stage)?,
            names: self.stage_names.get(stage)?,
            before: Some(ii),
        };
        Lexer::new(escape)
            .process_word(word, &view)
            .ok()
            .map(|e| e.value)
    }

    /// [`Scope::expand_at`], or `None` when a variable it uses has no value
    /// here (an ARG without a default: the build may pass anything).
    pub fn expand_known(
        &self,
        ii: usize,
        stage: usize,
        word: &str,
        escape: char,
    ) -> Option<String> {
        let view = View {
            defs: self.stages.get(stage)?,
            names: self.stage_names.get(stage)?,
            before: Some(ii),
        };
        let e = Lexer::new(escape).process_word(word, &view).ok()?;
        e.references
            .iter()
            .all(|r| r.set || r.has_default)
            .then_some(e.value)
    }

    /// The definition of `name` that instruction `ii` of `stage` sees.
    pub fn lookup(&self, stage: Option<usize>, ii: usize, name: &str) -> Option<&VarDef> {
        let (defs, names) = match stage {
            Some(s) => (self.stages.get(s)?, self.stage_names.get(s)?),
            None => (&self.global, &self.global_names),
        };
        View {
            defs,
            names,
            before: Some(ii),
        }
        .find(name)
    }
}
