//! A line of a Dockerfile that a differential test (hadolint, BuildKit's
//! checks) asks about when rdock and the peer disagree on it.

use rdock::model::Model;
use rdock::syntax::Kind;

pub struct Site<'m> {
    pub model: &'m Model<'m>,
    /// Index into `model.instructions`, when an instruction starts at the line.
    pub ii: Option<usize>,
}

impl Site<'_> {
    pub fn kind(&self) -> Option<Kind> {
        self.ii.map(|ii| self.model.instruction(ii).kind())
    }

    /// The instruction's arguments as written.
    pub fn text(&self) -> String {
        self.ii
            .map(|ii| self.model.instruction(ii).args_text.clone())
            .unwrap_or_default()
    }

    /// The whole instruction as written, flags included.
    pub fn source(&self) -> &str {
        self.ii.map_or("", |ii| {
            let span = self.model.instruction(ii).span;
            &self.model.text[span.start..span.end]
        })
    }

    fn stage(&self) -> Option<usize> {
        self.ii.and_then(|ii| self.model.instructions[ii].stage)
    }

    /// Whether every pipeline of the RUN is inside `$(...)` or backticks.
    pub fn pipes_only_in_substitutions(&self) -> bool {
        let Some(script) = self.ii.and_then(|ii| self.model.script(ii)) else {
            return false;
        };
        let multi: Vec<_> = script
            .pipelines
            .iter()
            .filter(|p| p.commands.len() >= 2)
            .collect();
        !multi.is_empty()
            && multi
                .iter()
                .all(|p| script.commands[p.commands[0]].ctx.in_substitution)
    }

    /// Whether every pipeline of the RUN is one pipefail cannot change: in
    /// `$(...)`, an `if`/`while`/`until` condition, or with only `echo`,
    /// `printf`, `true` or `:` left of its last `|` (rules/pipe-without-pipefail.md).
    pub fn pipes_pipefail_cannot_change(&self) -> bool {
        let Some(script) = self.ii.and_then(|ii| self.model.script(ii)) else {
            return false;
        };
        let multi: Vec<_> = script
            .pipelines
            .iter()
            .filter(|p| p.commands.len() >= 2)
            .collect();
        !multi.is_empty()
            && multi.iter().all(|p| {
                let (last, left) = p.commands.split_last().expect("two commands");
                script.commands[p.commands[0]].ctx.in_substitution
                    || script.commands[*last].ctx.in_condition
                    || left.iter().all(|&i| {
                        let c = &script.commands[i];
                        c.redirects.is_empty()
                            && matches!(c.name(), Some("echo" | "printf" | "true" | ":"))
                    })
            })
    }

    /// Whether the instruction is in the file's last stage (the default target).
    pub fn is_last_stage(&self) -> bool {
        self.stage()
            .is_some_and(|s| s + 1 == self.model.stages.len())
    }

    /// Whether the instruction's stage becomes a built image: one of
    /// `targets`, or a stage one of them is built `FROM` (as RD402 decides).
    /// True outside any stage.
    pub fn in_image(&self, targets: &[usize]) -> bool {
        self.stage().is_none_or(|stage| {
            targets
                .iter()
                .any(|&t| self.model.base_chain(t).any(|s| s == stage))
        })
    }

    /// A RUN under a shell rdock does not read as POSIX sh.
    pub fn non_posix(&self) -> bool {
        self.kind() == Some(Kind::Run) && self.ii.is_some_and(|ii| !self.model.posix_shell_at(ii))
    }

    pub fn heredoc(&self) -> bool {
        self.ii
            .is_some_and(|ii| !self.model.instruction(ii).heredocs.is_empty())
    }

    /// Whether the line right above the instruction is blank.
    pub fn blank_line_above(&self) -> bool {
        let Some(ii) = self.ii else { return false };
        let before = &self.model.text[..self.model.instruction(ii).span.start];
        let before = before.strip_suffix('\n').unwrap_or(before);
        let before = before.strip_suffix('\r').unwrap_or(before);
        before
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty())
    }
}
