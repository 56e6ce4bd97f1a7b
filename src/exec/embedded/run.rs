//! What a RUN executes and mounts, as BuildKit's `dispatchRun` works it
//! out: the exec form as written; the shell form in the stage's SHELL; a
//! RUN that is a single heredoc runs its body (a file under /dev/pipes
//! when it starts with `#!`); other heredocs are handed to the shell with
//! their bodies. `--mount=type=cache|tmpfs|bind` (bind from the context or
//! `from=` a stage or image); secrets and SSH agents are not supported.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::spec::RunMount;
use super::stage::StageRun;
use crate::model::RefKind;
use crate::syntax::{Args, Instruction};
use crate::text::Span;

/// Files for /dev/pipes: name and content.
pub type Pipes = Vec<(String, String)>;

/// The command line of a RUN, and the files its /dev/pipes must hold.
pub fn argv(inst: &Instruction, shell: &[String]) -> Result<(Vec<String>, Pipes), String> {
    match &inst.args {
        Args::Exec(w) => {
            if !inst.heredocs.is_empty() {
                return Err("RUN: heredocs need the shell form".into());
            }
            if w.is_empty() {
                return Err("RUN: an empty command".into());
            }
            Ok((w.iter().map(|w| w.text.clone()).collect(), Vec::new()))
        }
        Args::Shell(w) => {
            let mut pipes = Vec::new();
            let mut cmd = w.text.clone();
            if let Some(first) = inst.heredocs.first() {
                if single_heredoc(&w.text) {
                    let data = if first.chomp {
                        chomp(&first.content)
                    } else {
                        first.content.clone()
                    };
                    if data.starts_with("#!") {
                        cmd = format!("/dev/pipes/{}", first.name);
                        pipes.push((first.name.clone(), data));
                    } else {
                        cmd = data;
                    }
                } else {
                    for h in &inst.heredocs {
                        cmd.push('\n');
                        cmd.push_str(&h.content);
                        cmd.push_str(&h.name);
                    }
                }
            }
            let mut args = shell.to_vec();
            args.push(cmd);
            Ok((args, pipes))
        }
        _ => Err("RUN: a command is required".into()),
    }
}

/// Whether the command is just `<<EOF` (BuildKit's `MustParseHeredoc`).
fn single_heredoc(cmd: &str) -> bool {
    let t = cmd.trim();
    let t = t.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(rest) = t.strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let name = rest.trim_matches(['"', '\'']);
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// `<<-`: leading tabs of each line go.
pub fn chomp(s: &str) -> String {
    s.split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
}

/// One `--mount` value (already expanded).
pub fn mount(stage: &StageRun<'_>, value: &str) -> Result<RunMount, String> {
    let fields = crate::model::mount_fields(value, Span::new(0, value.len()));
    let get = |k: &[&str]| {
        fields
            .iter()
            .find(|f| k.contains(&f.key.as_str()))
            .map(|f| f.value.clone())
    };
    let flag = |k: &str| {
        fields
            .iter()
            .find(|f| f.key == k)
            .map(|f| f.value.is_empty() || f.value == "true" || f.value == "1")
    };
    let kind = get(&["type"]).unwrap_or_else(|| "bind".into());
    let target = get(&["target", "dst", "destination"])
        .ok_or_else(|| format!("RUN --mount={value}: a target is required"))?;
    let target = if target.starts_with('/') {
        super::rootpath::clean(&target)
    } else {
        super::rootpath::clean(&format!("{}/{target}", stage.image.workdir()))
    };
    let unsupported = |what: &str| {
        format!("RUN --mount={value}: {what} is not supported by the embedded engine yet")
    };
    match kind.as_str() {
        "tmpfs" => {
            let size = get(&["size"]).map(|s| parse_size(&s)).transpose()?;
            Ok(RunMount::Tmpfs { target, size })
        }
        "cache" => {
            if get(&["from"]).is_some() {
                return Err(unsupported("a cache seeded from= another stage"));
            }
            let id = get(&["id"]).unwrap_or_else(|| target.clone());
            let key: String = Sha256::digest(id.as_bytes())
                .iter()
                .take(12)
                .map(|b| format!("{b:02x}"))
                .collect();
            let dir = super::image::cache_dir().join("cache-mounts").join(key);
            if !dir.exists() {
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let mode = get(&["mode"])
                    .map(|m| u32::from_str_radix(&m, 8).map_err(|_| format!("invalid mode {m}")))
                    .transpose()?
                    .unwrap_or(0o755);
                let uid = get(&["uid"]).and_then(|u| u.parse().ok()).unwrap_or(0);
                let gid = get(&["gid"]).and_then(|g| g.parse().ok()).unwrap_or(0);
                super::sys::chmod(&dir, mode)?;
                super::sys::lchown(&dir, uid, gid)?;
            }
            Ok(RunMount::Bind {
                source: dir,
                target,
                readonly: flag("ro").or(flag("readonly")).unwrap_or(false),
            })
        }
        "bind" => {
            let source = get(&["source", "src"]).unwrap_or_else(|| "/".into());
            let rw = flag("rw").or(flag("readwrite")).unwrap_or(false);
            if rw {
                return Err(unsupported("a writable (rw) bind mount"));
            }
            match get(&["from"]) {
                Some(from) => {
                    let (lowers, _) = stage
                        .source_layers(None, RefKind::MountFrom, &from, value)
                        .map_err(|e| e.to_string())?;
                    Ok(RunMount::Layers {
                        lowers,
                        subpath: source,
                        target,
                        readonly: true,
                    })
                }
                None => {
                    if stage.ctx.ignore.is_some() {
                        return Err(unsupported(
                            "a bind mount of a context that has a .dockerignore",
                        ));
                    }
                    let p: PathBuf = super::rootpath::resolve(&stage.ctx.context, &source);
                    if !p.exists() {
                        return Err(format!(
                            "RUN --mount={value}: {source}: not found in the context"
                        ));
                    }
                    Ok(RunMount::Bind {
                        source: p,
                        target,
                        readonly: true,
                    })
                }
            }
        }
        other => Err(unsupported(&format!("type={other}"))),
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, mul) = match t.trim_end_matches('b').chars().last() {
        Some('k') => (&t[..t.trim_end_matches('b').len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.trim_end_matches('b').len() - 1], 1 << 20),
        Some('g') => (&t[..t.trim_end_matches('b').len() - 1], 1 << 30),
        _ => (t.trim_end_matches('b'), 1),
    };
    num.parse::<u64>()
        .map(|n| n * mul)
        .map_err(|_| format!("invalid size {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Vec<String>, Pipes) {
        let ast = crate::syntax::parse(text);
        let inst = ast.instructions().next().unwrap();
        argv(inst, &["/bin/sh".into(), "-c".into()]).unwrap()
    }

    #[test]
    fn shell_exec_and_heredoc_forms() {
        assert_eq!(run("RUN echo hi\n").0, ["/bin/sh", "-c", "echo hi"]);
        assert_eq!(run("RUN [\"a\", \"b c\"]\n").0, ["a", "b c"]);
        assert_eq!(
            run("RUN <<EOF\necho a\necho b\nEOF\n").0,
            ["/bin/sh", "-c", "echo a\necho b\n"]
        );
        let (a, pipes) = run("RUN <<EOF\n#!/bin/sh\necho a\nEOF\n");
        assert_eq!(a, ["/bin/sh", "-c", "/dev/pipes/EOF"]);
        assert_eq!(
            pipes,
            [("EOF".to_string(), "#!/bin/sh\necho a\n".to_string())]
        );
        assert_eq!(
            run("RUN cat <<EOF > /x\nhello\nEOF\n").0,
            ["/bin/sh", "-c", "cat <<EOF > /x\nhello\nEOF"]
        );
        assert_eq!(run("RUN <<-EOF\n\techo a\nEOF\n").0[2], "echo a\n");
        assert_eq!(parse_size("64m").unwrap(), 64 << 20);
    }
}
