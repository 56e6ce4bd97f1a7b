//! The model: stages, their bases, variables in scope, and references
//! between stages, worked out once from the syntax tree for every rule.

pub mod expand;
pub mod image;
mod scope;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use crate::syntax::{self, Args, Dockerfile, Instruction, Kind, NodeKind, Word};
use crate::text::Span;
pub use scope::{Scope, VarDef, VarOrigin, AUTOMATIC_ARGS};

/// Inputs that change how a Dockerfile reads: `--build-arg`, and the
/// platform BuildKit fills in for the automatic ARGs.
#[derive(Debug, Clone, Default)]
pub struct BuildInputs {
    pub build_args: BTreeMap<String, String>,
}

/// The model of one Dockerfile.
#[derive(Debug)]
pub struct Model<'t> {
    pub text: &'t str,
    pub ast: Dockerfile,
    /// Every instruction in file order (ONBUILD triggers are not separate).
    pub instructions: Vec<InstRef>,
    /// ARG instructions before the first FROM.
    pub global_args: Vec<usize>,
    pub stages: Vec<Stage>,
    /// References to other stages (or images) from FROM, `--from` and `from=`.
    pub references: Vec<StageRef>,
    /// Instruction-level errors BuildKit would stop on (beyond the parser's).
    pub errors: Vec<crate::syntax::SyntaxError>,
    /// Variable definitions, for scope lookups.
    pub scope: Scope,
    /// Lower-cased stage name -> the first stage with that name, so that
    /// resolving references stays linear in the number of stages.
    stage_names: HashMap<String, usize>,
    /// Parsed RUN bodies by instruction index, parsed on first use: some
    /// fifty rules and the parallelizer read them, and a shell parse costs
    /// far more than any rule, so each body is parsed once per model.
    scripts: OnceLock<Vec<Option<crate::shell::Script>>>,
    /// Whether each RUN runs under a POSIX shell, found on first use: every
    /// shell rule asks it for every RUN.
    posix_runs: OnceLock<Vec<bool>>,
    /// Where each instruction's shell comes from (see `shell_at`).
    shell_sources: OnceLock<Vec<ShellSource>>,
    /// Per stage, its instructions by kind (see `inherited_of_kind`).
    by_kind: OnceLock<Vec<HashMap<Kind, Vec<usize>>>>,
    /// The shell a `# hadolint shell=<shell>` comment names, found once
    /// rather than per RUN.
    shell_pragma: Option<String>,
}

/// An instruction and the top-level node that holds it.
#[derive(Debug, Clone, Copy)]
pub struct InstRef {
    pub node: usize,
    /// The stage it belongs to; `None` before the first FROM.
    pub stage: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// Index into [`Model::instructions`] of the FROM.
    pub from: usize,
    /// `AS name` as written, if any.
    pub name: Option<Word>,
    /// The `AS` keyword as written.
    pub as_keyword: Option<Word>,
    pub base: Base,
    /// The image word after FROM (flags excluded).
    pub base_word: Option<Word>,
    /// Instructions after the FROM, up to the next FROM (indices into `instructions`).
    pub body: Vec<usize>,
    /// Indices into `ast.nodes`: from the FROM's node to before the next FROM's.
    pub nodes: std::ops::Range<usize>,
}

impl Stage {
    /// The name BuildKit uses: lower-cased.
    pub fn name_lower(&self) -> Option<String> {
        self.name.as_ref().map(|n| n.text.to_ascii_lowercase())
    }
    /// `name` or `#index` for messages.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.text.clone(),
            None => format!("#{}", self.index),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    Scratch,
    /// Another stage, by index.
    Stage(usize),
    /// An image; `resolved` after ARG substitution when that succeeded.
    Image {
        raw: String,
        resolved: Option<String>,
    },
    /// FROM without an image.
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    From,
    CopyFrom,
    MountFrom,
}

impl RefKind {
    pub fn describe(self) -> &'static str {
        match self {
            RefKind::From => "FROM",
            RefKind::CopyFrom => "--from",
            RefKind::MountFrom => "--mount from=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefTarget {
    Stage(usize),
    /// A number that names no stage.
    BadIndex(usize),
    /// Not a stage: an image reference (or a typo of a stage name).
    Image(String),
    /// `scratch` in FROM.
    Scratch,
}

#[derive(Debug, Clone)]
pub struct StageRef {
    pub kind: RefKind,
    /// The stage the reference is made in.
    pub stage: usize,
    /// Index into [`Model::instructions`].
    pub instruction: usize,
    /// The name as written, and where.
    pub raw: String,
    pub span: Span,
    /// After ARG substitution.
    pub resolved: String,
    pub target: RefTarget,
}

/// Stage names BuildKit reserves.
pub const RESERVED_STAGE_NAMES: [&str; 2] = ["scratch", "context"];

impl<'t> Model<'t> {
    pub fn new(text: &'t str, inputs: &BuildInputs) -> Model<'t> {
        let ast = syntax::parse(text);
        Model::from_ast(text, ast, inputs)
    }

    pub fn from_ast(text: &'t str, ast: Dockerfile, inputs: &BuildInputs) -> Model<'t> {
        let mut instructions = Vec::new();
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_args = Vec::new();
        for (ni, node) in ast.nodes.iter().enumerate() {
            let NodeKind::Instruction(inst) = &node.kind else {
                continue;
            };
            let ii = instructions.len();
            if inst.kind() == Kind::From {
                if let Some(prev) = stages.last_mut() {
                    prev.nodes.end = leading_comment_start(&ast, ni);
                }
                let (base_word, as_keyword, name) = from_parts(inst);
                stages.push(Stage {
                    index: stages.len(),
                    from: ii,
                    name,
                    as_keyword,
                    base: Base::Missing,
                    base_word,
                    body: Vec::new(),
                    nodes: leading_comment_start(&ast, ni)..ast.nodes.len(),
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.body.push(ii);
            } else if inst.kind() == Kind::Arg {
                global_args.push(ii);
            }
            instructions.push(InstRef {
                node: ni,
                stage: stages.len().checked_sub(1),
            });
        }
        let mut model = Model {
            text,
            ast,
            instructions,
            global_args,
            stages,
            references: Vec::new(),
            errors: Vec::new(),
            scope: Scope::default(),
            stage_names: HashMap::new(),
            scripts: OnceLock::new(),
            posix_runs: OnceLock::new(),
            shell_sources: OnceLock::new(),
            by_kind: OnceLock::new(),
            shell_pragma: None,
        };
        model.shell_pragma = model.ast.comments().find_map(|c| {
            let t = c.text.trim();
            t.strip_prefix("hadolint shell=")
                .map(|s| s.trim().to_string())
        });
        for stage in &model.stages {
            if let Some(name) = stage.name_lower() {
                model.stage_names.entry(name).or_insert(stage.index);
            }
        }
        if model.instructions.is_empty() && model.ast.errors.is_empty() {
            // BuildKit: "file with no instructions".
            let end = model.text.len();
            model.error(
                Span::new(0, end.min(model.text.find('\n').unwrap_or(end))),
                "the file has no instructions: BuildKit refuses to build it",
                Some(
                    "a Dockerfile starts with FROM (after optional ARGs and parser directives)"
                        .into(),
                ),
            );
        }
        model.validate_from();
        model.validate_instructions();
        model.scope = Scope::build(&model, inputs);
        model.resolve_references();
        // Stages inherit the ARGs and ENV of the stage they are built FROM,
        // which is known only now that references are resolved.
        if model
            .stages
            .iter()
            .any(|s| matches!(s.base, Base::Stage(_)))
        {
            model.scope = Scope::build(&model, inputs);
        }
        model
    }

    pub fn instruction(&self, i: usize) -> &Instruction {
        match &self.ast.nodes[self.instructions[i].node].kind {
            NodeKind::Instruction(inst) => inst,
            _ => unreachable!("InstRef points at an instruction node"),
        }
    }

    /// The instructions of the given kinds, in file order: the index, the
    /// stage it belongs to (`None` before the first FROM) and the instruction.
    pub fn instructions_of<'a>(
        &'a self,
        kinds: &'a [Kind],
    ) -> impl Iterator<Item = (usize, Option<usize>, &'a Instruction)> + 'a {
        self.instructions
            .iter()
            .enumerate()
            .map(|(ii, r)| (ii, r.stage, self.instruction(ii)))
            .filter(|(_, _, inst)| kinds.contains(&inst.kind()))
    }

    /// The 1-based line instruction `i` starts on.
    pub fn line_of(&self, i: usize) -> usize {
        self.text[..self.instruction(i).span.start]
            .matches('\n')
            .count()
            + 1
    }

    /// Whether instruction `i` holds an error BuildKit would stop on (the
    /// parser's or the model's): such a line is not something to copy or
    /// move.
    pub fn instruction_has_error(&self, i: usize) -> bool {
        let span = self.instruction(i).span;
        let overlaps =
            |e: &crate::syntax::SyntaxError| span.start <= e.span.start && e.span.start <= span.end;
        self.ast.errors.iter().any(overlaps) || self.errors.iter().any(overlaps)
    }

    /// The parsed shell body of RUN instruction `ii` (`None` for other
    /// instructions and RUNs without a body). All RUNs are parsed together
    /// on the first call, in parallel, and kept for the model's lifetime.
    pub fn script(&self, ii: usize) -> Option<&crate::shell::Script> {
        use rayon::prelude::*;
        let scripts = self.scripts.get_or_init(|| {
            let within = self.within_shell_budget();
            (0..self.instructions.len())
                .into_par_iter()
                .map(|i| self.parse_run(i, within[i]))
                .collect()
        });
        scripts.get(ii)?.as_ref()
    }

    fn parse_run(&self, i: usize, budget: Budget) -> Option<crate::shell::Script> {
        let inst = self.instruction(i);
        if inst.kind() != Kind::Run {
            return None;
        }
        match budget {
            Budget::Within => crate::shell::parse_instruction(inst, self.text),
            Budget::FirstOver => Some(crate::shell::over_budget(inst, false)),
            Budget::Over => Some(crate::shell::over_budget(inst, true)),
        }
    }

    /// For each instruction, whether its RUN body is among the first
    /// [`crate::shell::MAX_FILE_SCRIPT_BYTES`] of shell text of the file.
    fn within_shell_budget(&self) -> Vec<Budget> {
        let mut used = 0usize;
        let mut over = false;
        (0..self.instructions.len())
            .map(|i| {
                let inst = self.instruction(i);
                // A body over the size of one script is refused by its size
                // (not parsed, so it costs nothing against the budget).
                if inst.kind() != Kind::Run || inst.span.len() > crate::shell::MAX_SCRIPT_BYTES {
                    return Budget::Within;
                }
                used = used.saturating_add(inst.span.len());
                if used <= crate::shell::MAX_FILE_SCRIPT_BYTES {
                    Budget::Within
                } else if std::mem::replace(&mut over, true) {
                    Budget::Over
                } else {
                    Budget::FirstOver
                }
            })
            .collect()
    }

    /// Fill the caches that rules share ([`Model::script`], the POSIX-shell
    /// flags), so that rules running in parallel only read them. Gives up
    /// (`false`, nothing cached) as soon as `cancelled` says so.
    pub fn prime_caches(&self, cancelled: &(dyn Fn() -> bool + Sync)) -> bool {
        use rayon::prelude::*;
        if self.scripts.get().is_none() {
            let within = self.within_shell_budget();
            let parsed: Option<Vec<_>> = (0..self.instructions.len())
                .into_par_iter()
                .map(|i| (!cancelled()).then(|| self.parse_run(i, within[i])))
                .collect();
            match parsed {
                // Another thread may have filled it meanwhile: same value.
                Some(parsed) => drop(self.scripts.set(parsed)),
                None => return false,
            }
        }
        self.posix_shell_at(0);
        true
    }

    pub fn from_instruction(&self, stage: usize) -> &Instruction {
        self.instruction(self.stages[stage].from)
    }

    /// `stage`, then the stage it is built `FROM`, and so on: the stages an
    /// image of `stage` starts from, nearest first. It ends at an image or
    /// `scratch`, or where a FROM chain loops back (BuildKit rejects that;
    /// the model keeps it), each stage once.
    pub fn base_chain(&self, stage: usize) -> BaseChain<'_, 't> {
        BaseChain {
            model: self,
            start: stage,
            next: Some(stage),
            seen: Vec::new(),
        }
    }

    /// [`Model::inherited_before`], only the instructions of `kind`: found
    /// through a per-stage index, so asking it for every RUN of a long
    /// stage stays linear (the working directory, the user).
    pub fn inherited_of_kind(
        &self,
        ii: usize,
        kind: Kind,
    ) -> impl Iterator<Item = (usize, usize)> + '_ {
        let index = self.by_kind.get_or_init(|| {
            self.stages
                .iter()
                .map(|st| {
                    let mut m: HashMap<Kind, Vec<usize>> = HashMap::new();
                    for &i in &st.body {
                        m.entry(self.instruction(i).kind()).or_default().push(i);
                    }
                    m
                })
                .collect()
        });
        let own = self.instructions.get(ii).and_then(|r| r.stage);
        own.into_iter()
            .flat_map(|s| self.base_chain(s))
            .flat_map(move |s| {
                let list = index[s].get(&kind).map_or(&[][..], Vec::as_slice);
                // All of a base stage ran before, wherever it stands in the file.
                let end = if Some(s) == own {
                    list.partition_point(|&i| i < ii)
                } else {
                    list.len()
                };
                list[..end].iter().rev().map(move |&i| (s, i))
            })
    }

    /// The instructions that run before `ii`: earlier ones of its stage, then
    /// those of the stages it is built `FROM`, nearest first (cycle-safe).
    /// Each comes as `(stage, instruction index)`.
    pub fn inherited_before(&self, ii: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let own = self.instructions.get(ii).and_then(|r| r.stage);
        own.into_iter()
            .flat_map(|s| self.base_chain(s))
            .flat_map(move |s| {
                // All of a base stage ran before, wherever it stands in the file.
                let before = if Some(s) == own { ii } else { usize::MAX };
                self.stages[s]
                    .body
                    .iter()
                    .rev()
                    .filter(move |&&i| i < before)
                    .map(move |&i| (s, i))
            })
    }

    /// The shell a RUN at `ii` runs under: the last `SHELL` before it in
    /// its stage or the stages it is built `FROM`, `cmd /S /C` in a Windows
    /// stage, else `/bin/sh -c` (or a `# hadolint shell=` comment's shell).
    pub fn shell_at(&self, ii: usize) -> Vec<String> {
        let sources = self.shell_sources.get_or_init(|| self.find_shell_sources());
        match sources.get(ii).copied().unwrap_or(ShellSource::Default) {
            ShellSource::Shell(i) => match &self.instruction(i).args {
                Args::Exec(w) => w.iter().map(|w| w.text.clone()).collect(),
                _ => self.default_shell(),
            },
            ShellSource::Cmd => vec!["cmd".into(), "/S".into(), "/C".into()],
            ShellSource::Default => self.default_shell(),
        }
    }

    /// Where each instruction's shell comes from, in one pass over each
    /// stage (asking per instruction scanned the stage back to its start:
    /// quadratic in a stage of many RUNs).
    fn find_shell_sources(&self) -> Vec<ShellSource> {
        let mut out = vec![ShellSource::Default; self.instructions.len()];
        for st in &self.stages {
            // What the stages it is built FROM leave: all of each ran before.
            let inherited = self
                .base_chain(st.index)
                .skip(1)
                .find_map(|s| self.stage_shell(s, usize::MAX))
                .unwrap_or(ShellSource::Default);
            let from_image = if self.windows_image(st.index) {
                ShellSource::Cmd
            } else {
                inherited
            };
            out[st.from] = from_image;
            let (mut shell, mut windows) = (None, false);
            for &i in &st.body {
                out[i] = match (shell, windows) {
                    (Some(sh), _) => ShellSource::Shell(sh),
                    (None, true) => ShellSource::Cmd,
                    (None, false) => from_image,
                };
                let inst = self.instruction(i);
                if matches!((&inst.args, inst.kind()), (Args::Exec(_), Kind::Shell)) {
                    shell = Some(i);
                }
                windows |= is_windows_workdir(inst);
            }
        }
        out
    }

    /// The shell stage `stage` sets before instruction `before` (its last
    /// `SHELL`, or `cmd` in a Windows stage), if it sets one.
    fn stage_shell(&self, stage: usize, before: usize) -> Option<ShellSource> {
        let st = &self.stages[stage];
        let earlier = || st.body.iter().copied().filter(move |&i| i < before);
        let shell = earlier().filter(|&i| {
            let inst = self.instruction(i);
            matches!((&inst.args, inst.kind()), (Args::Exec(_), Kind::Shell))
        });
        if let Some(i) = shell.last() {
            return Some(ShellSource::Shell(i));
        }
        let windows =
            earlier().any(|i| is_windows_workdir(self.instruction(i))) || self.windows_image(stage);
        windows.then_some(ShellSource::Cmd)
    }

    /// Whether a stage's base image is a Windows one.
    fn windows_image(&self, stage: usize) -> bool {
        let Base::Image { raw, resolved } = &self.stages[stage].base else {
            return false;
        };
        let image = resolved
            .as_deref()
            .unwrap_or(raw.as_str())
            .to_ascii_lowercase();
        image.contains("windows") || image.contains("nanoserver") || image.contains("servercore")
    }

    /// `/bin/sh -c`, or what a `# hadolint shell=<shell>` comment names.
    fn default_shell(&self) -> Vec<String> {
        match &self.shell_pragma {
            Some(shell) => vec![shell.clone()],
            None => vec!["/bin/sh".into(), "-c".into()],
        }
    }

    /// Whether the shell at `ii` reads POSIX shell syntax (sh, bash, ash, dash, zsh...).
    pub fn posix_shell_at(&self, ii: usize) -> bool {
        let posix_runs = self.posix_runs.get_or_init(|| {
            (0..self.instructions.len())
                .map(|i| self.instruction(i).kind() == Kind::Run && self.shell_is_posix(i))
                .collect()
        });
        match self.instructions.get(ii) {
            Some(_) if self.instruction(ii).kind() == Kind::Run => posix_runs[ii],
            _ => self.shell_is_posix(ii),
        }
    }

    fn shell_is_posix(&self, ii: usize) -> bool {
        let shell = self.shell_at(ii);
        shell.first().is_some_and(|s| {
            let base = s
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(s)
                .to_ascii_lowercase();
            matches!(
                base.as_str(),
                "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" | "busybox"
            )
        })
    }

    /// The stage a (lower-cased) name or index refers to, as BuildKit looks it up.
    pub fn stage_by_name(&self, name: &str) -> Option<usize> {
        self.stage_names.get(&name.to_ascii_lowercase()).copied()
    }

    /// The span of a whole stage: from its leading comments to before the next stage's.
    pub fn stage_span(&self, stage: usize) -> Span {
        let r = &self.stages[stage].nodes;
        let start = self.ast.nodes[r.start].lines.start;
        let end = if r.end < self.ast.nodes.len() {
            self.ast.nodes[r.end].lines.start
        } else {
            self.text.len()
        };
        Span::new(start, end)
    }

    fn error(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        self.errors.push(crate::syntax::SyntaxError {
            span,
            message: message.into(),
            help,
        });
    }

    /// BuildKit's `parseFrom`: one or three arguments, a valid stage name.
    fn validate_from(&mut self) {
        for s in 0..self.stages.len() {
            let inst = self.from_instruction(s).clone();
            let words = inst.words().len();
            if words != 1 && words != 3 {
                self.error(
                    inst.span,
                    "FROM requires either one or three arguments",
                    Some("write `FROM image` or `FROM image AS name`".into()),
                );
                continue;
            }
            if words == 3 && !inst.words()[1].text.eq_ignore_ascii_case("as") {
                let w = &inst.words()[1];
                self.error(
                    w.span,
                    format!("expected `AS` after the image, found `{}`", w.text),
                    Some("write `FROM image AS name`".into()),
                );
                continue;
            }
            if let Some(name) = &self.stages[s].name {
                if !valid_stage_name(&name.text) {
                    let (span, text) = (name.span, name.text.clone());
                    self.error(
                        span,
                        format!("invalid stage name `{text}`"),
                        Some("a stage name starts with a letter and holds only letters, digits, `-`, `_` and `.`".into()),
                    );
                }
            }
        }
    }

    /// BuildKit's instruction readers: argument counts, known flags, SHELL in JSON form.
    fn validate_instructions(&mut self) {
        for i in 0..self.instructions.len() {
            let inst = self.instruction(i).clone();
            self.validate_instruction(&inst);
            if let Args::Onbuild(sub) = &inst.args {
                self.validate_instruction(sub);
            }
        }
    }

    fn validate_instruction(&mut self, inst: &Instruction) {
        let kind = inst.kind();
        if kind == Kind::Unknown {
            return;
        }
        let name = kind.as_str();
        for f in &inst.flags {
            if !known_flags(kind).contains(&f.name.as_str()) {
                let known = known_flags(kind);
                let help = if known.is_empty() {
                    format!("{name} takes no flags")
                } else {
                    format!(
                        "{name} takes {}",
                        known
                            .iter()
                            .map(|k| format!("--{k}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                self.error(
                    f.span,
                    format!("unknown flag `--{}` for {name}", f.name),
                    Some(help),
                );
            }
        }
        let count = match &inst.args {
            Args::None => 0,
            Args::Exec(w) | Args::List(w) => w.len(),
            Args::KeyValues { pairs, .. } => pairs.len(),
            Args::Healthcheck { .. } | Args::Onbuild(_) | Args::Shell(_) | Args::Text(_) => 1,
        };
        let at_least = match kind {
            Kind::Copy | Kind::Add => 2,
            Kind::Cmd | Kind::Entrypoint | Kind::From => 0,
            _ => 1,
        };
        if count < at_least {
            let what = if at_least == 2 {
                "at least two arguments"
            } else {
                "at least one argument"
            };
            self.error(
                inst.span,
                format!("{name} requires {what}"),
                Some(match kind {
                    Kind::Copy | Kind::Add => format!("write `{name} <source>... <destination>`"),
                    _ => format!("give {name} its argument or delete the line"),
                }),
            );
        }
        match (&inst.args, kind) {
            (Args::Shell(w), Kind::Shell) => self.error(
                w.span,
                "SHELL requires the arguments to be in JSON form",
                Some("write `SHELL [\"/bin/sh\", \"-c\"]`".into()),
            ),
            (Args::Healthcheck { mode, cmd }, _) => {
                let m = mode.text.to_ascii_uppercase();
                if m == "NONE" && !matches!(**cmd, Args::None) {
                    self.error(
                        inst.args_span,
                        "HEALTHCHECK NONE takes no other arguments",
                        None,
                    );
                } else if m == "CMD" && matches!(**cmd, Args::None) {
                    self.error(mode.span, "HEALTHCHECK CMD requires a command", None);
                } else if m != "NONE" && m != "CMD" {
                    self.error(
                        mode.span,
                        format!("unknown type `{}` for HEALTHCHECK", mode.text),
                        Some("write `HEALTHCHECK CMD <command>` or `HEALTHCHECK NONE`".into()),
                    );
                }
            }
            _ => {}
        }
    }

    fn resolve_references(&mut self) {
        let mut refs = Vec::new();
        let mut bases = Vec::new();
        for s in 0..self.stages.len() {
            let stage = &self.stages[s];
            // FROM: global ARGs only.
            if let Some(w) = &stage.base_word {
                let resolved = self.scope.expand_global(&w.text, self.ast.escape);
                let value = resolved.clone().unwrap_or_else(|| w.text.clone());
                let lower = value.to_ascii_lowercase();
                let target = if lower == "scratch" {
                    RefTarget::Scratch
                } else {
                    match self.stage_by_name(&value) {
                        Some(i) => RefTarget::Stage(i),
                        None => RefTarget::Image(value.clone()),
                    }
                };
                bases.push(match &target {
                    RefTarget::Scratch => Base::Scratch,
                    RefTarget::Stage(i) => Base::Stage(*i),
                    _ => Base::Image {
                        raw: w.text.clone(),
                        resolved,
                    },
                });
                refs.push(StageRef {
                    kind: RefKind::From,
                    stage: s,
                    instruction: stage.from,
                    raw: w.text.clone(),
                    span: w.span,
                    resolved: value,
                    target,
                });
            } else {
                bases.push(Base::Missing);
            }
            for &ii in &stage.body {
                let inst = self.instruction(ii);
                let mut found: Vec<(RefKind, String, Span)> = Vec::new();
                collect_refs(inst, &mut found);
                for (kind, raw, span) in found {
                    let value = self
                        .scope
                        .expand_at(ii, s, &raw, self.ast.escape)
                        .unwrap_or_else(|| raw.clone());
                    let target = match self.stage_by_name(&value) {
                        Some(i) => RefTarget::Stage(i),
                        None => match value.parse::<usize>() {
                            Ok(n) if n < self.stages.len() => RefTarget::Stage(n),
                            Ok(n) => RefTarget::BadIndex(n),
                            Err(_) => RefTarget::Image(value.clone()),
                        },
                    };
                    refs.push(StageRef {
                        kind,
                        stage: s,
                        instruction: ii,
                        raw,
                        span,
                        resolved: value,
                        target,
                    });
                }
            }
        }
        for (s, b) in bases.into_iter().enumerate() {
            self.stages[s].base = b;
        }
        self.references = refs;
    }
}

/// The node index where the comments directly above node `ni` begin (no blank line between).
fn leading_comment_start(ast: &Dockerfile, ni: usize) -> usize {
    let mut start = ni;
    while start > 0 && matches!(ast.nodes[start - 1].kind, NodeKind::Comment(_)) {
        start -= 1;
    }
    start
}

/// The flags BuildKit accepts on each instruction (the labs channel's included).
pub fn known_flags(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::From => &["platform"],
        Kind::Run => &["mount", "network", "security", "device"],
        Kind::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
        Kind::Add => &[
            "chown",
            "chmod",
            "link",
            "keep-git-dir",
            "checksum",
            "exclude",
            "parents",
            "unpack",
        ],
        Kind::Healthcheck => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        _ => &[],
    }
}

/// `FROM [--platform=..] image [AS name]`: the image word, `AS`, the name.
fn from_parts(inst: &Instruction) -> (Option<Word>, Option<Word>, Option<Word>) {
    let w = inst.words();
    let base = w.first().cloned();
    if w.len() == 3 && w[1].text.eq_ignore_ascii_case("as") {
        (base, Some(w[1].clone()), Some(w[2].clone()))
    } else {
        (base, None, None)
    }
}

/// BuildKit: `^[a-z][a-z0-9-_\.]*$` after lower-casing.
pub fn valid_stage_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let mut chars = lower.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// `--from=` of COPY and `from=` of `RUN --mount`, with the span of the value.
fn collect_refs(inst: &Instruction, out: &mut Vec<(RefKind, String, Span)>) {
    match inst.kind() {
        Kind::Copy => {
            for f in inst.flags_named("from") {
                if let (Some(v), Some(span)) = (&f.value, f.value_span) {
                    out.push((RefKind::CopyFrom, v.clone(), span));
                }
            }
        }
        Kind::Run => {
            for f in inst.flags_named("mount") {
                let (Some(v), Some(span)) = (&f.value, f.value_span) else {
                    continue;
                };
                for field in mount_fields(v, span) {
                    if field.key == "from" {
                        out.push((RefKind::MountFrom, field.value, field.value_span));
                    }
                }
            }
        }
        _ => {}
    }
}

/// A `key=value` field of a `--mount` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountField {
    pub key: String,
    pub value: String,
    pub value_span: Span,
}

/// The CSV fields of a `--mount` value. Spans are exact when the flag value
/// was written without quotes or escapes, else they cover the whole value.
pub fn mount_fields(value: &str, span: Span) -> Vec<MountField> {
    let exact = span.len() == value.len();
    let mut out = Vec::new();
    let mut pos = 0;
    for field in value.split(',') {
        let start = pos;
        pos += field.len() + 1;
        let (key, val, voff) = match field.find('=') {
            Some(eq) => (&field[..eq], &field[eq + 1..], eq + 1),
            None => (field, "", field.len()),
        };
        let value_span = if exact {
            Span::new(span.start + start + voff, span.start + start + field.len())
        } else {
            span
        };
        out.push(MountField {
            key: key.trim().to_ascii_lowercase(),
            value: val.trim().to_string(),
            value_span,
        });
    }
    out
}

/// Arguments of a key/value instruction, empty for others.
pub fn pairs(inst: &Instruction) -> &[syntax::KeyValue] {
    match &inst.args {
        Args::KeyValues { pairs, .. } => pairs,
        _ => &[],
    }
}

/// [`Model::base_chain`].
pub struct BaseChain<'m, 'a> {
    model: &'m Model<'a>,
    start: usize,
    next: Option<usize>,
    /// Every stage given so far, filled only once the chain goes to a later
    /// stage (or itself): until then it goes back in the file and cannot loop.
    seen: Vec<usize>,
}

impl Iterator for BaseChain<'_, '_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let s = self.next.take()?;
        let stages = &self.model.stages;
        let base = match stages.get(s)?.base {
            Base::Stage(b) if b < stages.len() => b,
            _ => return Some(s),
        };
        if base < s && self.seen.is_empty() {
            self.next = Some(base);
            return Some(s);
        }
        if self.seen.is_empty() {
            // The way here, again: from the start, back in the file to `s`.
            let mut t = self.start;
            while t != s {
                self.seen.push(t);
                match stages[t].base {
                    Base::Stage(b) => t = b,
                    _ => unreachable!("the chain reached `s` from `start`"),
                }
            }
            self.seen.push(s);
        }
        if !self.seen.contains(&base) {
            self.seen.push(base);
            self.next = Some(base);
        }
        Some(s)
    }
}

/// Whether a RUN body is within the file's shell budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Budget {
    Within,
    /// The first RUN past it (RD305 says so, once).
    FirstOver,
    Over,
}

/// Where an instruction's shell comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShellSource {
    /// The `SHELL` instruction with this index.
    Shell(usize),
    /// `cmd /S /C`: a Windows stage.
    Cmd,
    /// `/bin/sh -c`, or the `# hadolint shell=` comment's shell.
    Default,
}

/// A WORKDIR with a drive letter (`C:\app`): a Windows stage.
fn is_windows_workdir(inst: &crate::syntax::Instruction) -> bool {
    let b = inst.args_text.as_bytes();
    inst.kind() == Kind::Workdir && b.get(1) == Some(&b':') && b[0].is_ascii_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chains(text: &str) -> Vec<Vec<usize>> {
        let m = Model::new(text, &BuildInputs::default());
        (0..m.stages.len())
            .map(|s| m.base_chain(s).collect())
            .collect()
    }

    #[test]
    fn base_chain_follows_from_and_stops_at_a_loop() {
        let text = "FROM alpine AS a\nFROM a AS b\nFROM b AS c\nFROM scratch AS d\n";
        assert_eq!(chains(text), [vec![0], vec![1, 0], vec![2, 1, 0], vec![3]]);
        // FROM a later stage, looping back: BuildKit rejects it, the chain
        // gives each stage once and ends.
        let text = "FROM c AS a\nFROM a AS b\nFROM b AS c\nFROM b AS d\nFROM d AS e\n";
        assert_eq!(
            chains(text),
            [
                vec![0, 2, 1],
                vec![1, 0, 2],
                vec![2, 1, 0],
                vec![3, 1, 0, 2],
                vec![4, 3, 1, 0, 2]
            ]
        );
        assert_eq!(chains("FROM x AS x\n"), [vec![0]]);
    }
}
