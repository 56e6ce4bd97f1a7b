//! The file commands whose effects turn on their flags and operands
//! (`mkdir`, `cp`, `mv`, `install`, `ln`, `rm`, `chmod`, `touch`, `tee`,
//! `sed -i`, `tar`, `gzip`, ...), read by [`coreutils`] the way getopt
//! reads them and turned into events on the step's [`Ctx`].

use super::*;

/// The commands modelled in Rust ([`coreutils`]); `None` for any other.
pub(super) fn exact_command(
    cx: &mut Ctx<'_>,
    name: &str,
    cmd: &Command,
    uncertain: bool,
    extra: &[CommandModel],
) -> Option<Result<(), String>> {
    use coreutils as cu;
    let args = cmd.args();
    let writes = |what: &str| -> Result<(), String> {
        if uncertain {
            Err(format!("`{name}` {what} only under a condition"))
        } else {
            Ok(())
        }
    };
    let r = (|| -> Result<(), String> {
        match name {
            "mkdir" => {
                let p = cu::parse(args, &cu::MKDIR)?;
                writes("makes directories")?;
                let plain = !p.has(&["-m", "--mode"]);
                let fresh = !p.has(&["-p", "--parents"]);
                for o in &p.operands {
                    let d = cx.exact(o)?;
                    cx.dirs.push(d.path.clone());
                    cx.fx.notes.push(format!("`mkdir` makes {d}"));
                    cx.fx.make_dir(d, plain, fresh);
                }
                cx.fx.cost += 0.01;
            }
            "md5sum" | "sha1sum" | "sha224sum" | "sha256sum" | "sha384sum" | "sha512sum"
            | "b2sum" | "cksum"
                if args.iter().any(|a| {
                    let t = a.text();
                    t == "--check"
                        || (t.starts_with('-') && !t.starts_with("--") && t.contains('c'))
                }) =>
            {
                // `-c` reads the files its checksum list names: known only
                // when the list is an `echo` piped in.
                let lists: Vec<&ShWord> = args
                    .iter()
                    .filter(|a| !a.text().starts_with('-') || a.text() == "-")
                    .collect();
                if !lists.iter().all(|a| a.text() == "-") {
                    return Err(format!(
                        "runs `{name} -c` on a checksum list in a file, whose named files rdock does not read"
                    ));
                }
                let echoed = cx.stdin_echo.clone().ok_or_else(|| {
                    format!("runs `{name} -c` on a checksum list rdock cannot see")
                })?;
                let mut text = Vec::new();
                for w in echoed
                    .iter()
                    .filter(|w| !matches!(w.text(), "-n" | "-e" | "-E"))
                {
                    text.push(cx.text(w)?);
                }
                let text = text.join(" ");
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    // `SUM  NAME` or `SUM *NAME` (binary mode).
                    let file = line
                        .trim_start()
                        .split_once(char::is_whitespace)
                        .map(|(_, f)| f.trim_start())
                        .map(|f| f.strip_prefix('*').unwrap_or(f))
                        .filter(|f| !f.is_empty() && !f.contains(['\\', '*', '?', '[']))
                        .ok_or_else(|| {
                            format!("runs `{name} -c` on a line rdock cannot read: `{line}`")
                        })?;
                    let p = resolve(&cx.cwd, file).ok_or_else(|| cx.unresolved(file))?;
                    cx.fx.notes.push(format!("`{name} -c` reads {p}"));
                    cx.fx.reads.push(PathRef::new(p, false));
                }
                cx.fx.cost += 0.05;
            }
            "rm" | "rmdir" => {
                let spec = if name == "rm" { &cu::RM } else { &cu::RMDIR };
                let p = cu::parse(args, spec)?;
                writes("deletes files")?;
                let tree = p.has(&["-r", "-R", "--recursive"]);
                for o in &p.operands {
                    let d = cx.path(o, tree)?;
                    if cx.text(o)?.contains(['*', '?', '[']) {
                        cx.fx.unsplittable.push(format!(
                            "deletes the pattern `{}`, which the final stage could not repeat path by path",
                            o.raw
                        ));
                    }
                    cx.fx.notes.push(format!("`{name}` deletes {d}"));
                    cx.fx.delete(d);
                }
                cx.fx.cost += 0.05;
            }
            "ln" => {
                let p = cu::parse(args, &cu::LN)?;
                writes("makes links")?;
                let hard = !p.has(&["-s", "--symbolic"]);
                let (targets, dir) = match p.value(&["-t", "--target-directory"]) {
                    Some(d) => (p.operands.clone(), Some(d.clone())),
                    None if p.operands.len() >= 2 => (
                        p.operands[..p.operands.len() - 1].to_vec(),
                        p.operands.last().cloned(),
                    ),
                    _ => return Err("runs `ln` with one operand".into()),
                };
                let dir = dir.ok_or("runs `ln` without a link name")?;
                for t in &targets {
                    let target = cx.text(t)?;
                    if hard {
                        let r = cx.path(t, false)?;
                        cx.fx.reads.push(r);
                    }
                    let base = target
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or("");
                    // The link's name: DIR/NAME into a directory, else the operand.
                    let at = cx.exact(&dir)?;
                    let into = p.value(&["-t", "--target-directory"]).is_some()
                        || targets.len() > 1
                        || cx.text(&dir)?.ends_with('/')
                        || cx.is_dir(&at.path);
                    let link = if into && !p.has(&["-T", "--no-target-directory"]) {
                        PathRef::new(
                            resolve(&at.path, base).ok_or("a name that leaves /")?,
                            false,
                        )
                    } else {
                        at.clone()
                    };
                    if link != at {
                        cx.fx.writes.push(at.clone());
                    }
                    let resolved = if hard {
                        // The other name of the pair.
                        Some(cx.path(t, false)?.path)
                    } else {
                        let parent = link.path.rsplit_once('/').map_or("/", |(d, _)| {
                            if d.is_empty() {
                                "/"
                            } else {
                                d
                            }
                        });
                        resolve(parent, &target)
                    };
                    cx.fx.notes.push(format!("`ln` links {link}"));
                    if !into && !p.has(&["-T", "--no-target-directory"]) {
                        // `at` may be an existing directory: the link may land in it.
                        let inside = PathRef::new(
                            resolve(&at.path, base).ok_or("a name that leaves /")?,
                            false,
                        );
                        let target = if hard {
                            resolved.clone()
                        } else {
                            resolve(&at.path, &target)
                        };
                        cx.fx.link(inside, target, hard);
                    }
                    cx.fx.link(link, resolved, hard);
                }
                cx.fx.cost += 0.01;
            }
            "chmod" | "chown" | "chgrp" => {
                let spec = if name == "chmod" {
                    &cu::CHMOD
                } else {
                    &cu::CHOWN
                };
                // `chmod -x file`: a mode that looks like a flag is the mode operand.
                let words: Vec<ShWord> = args
                    .iter()
                    .map(|w| {
                        let t = w.text();
                        let mode_like = name == "chmod"
                            && t.len() > 1
                            && t.starts_with('-')
                            && t[1..].chars().all(|c| "rwxXst".contains(c));
                        if mode_like {
                            ShWord {
                                raw: "MODE".into(),
                                lit: Some("MODE".into()),
                                span: w.span,
                            }
                        } else {
                            w.clone()
                        }
                    })
                    .collect();
                let p = cu::parse(&words, spec)?;
                writes("changes modes or owners")?;
                let tree = p.has(&["-R", "--recursive"]);
                let skip = usize::from(!p.has(&["--reference"]));
                for o in p.operands.iter().skip(skip) {
                    let d = cx.exact(o)?;
                    let d = PathRef::new(d.path, tree);
                    cx.fx.notes.push(format!("`{name}` changes {d}"));
                    cx.fx.meta(d);
                }
                cx.fx.cost += 0.01;
            }
            "touch" => {
                let p = cu::parse(args, &cu::TOUCH)?;
                writes("touches files")?;
                for o in &p.operands {
                    let d = cx.exact(o)?;
                    cx.fx.notes.push(format!("`touch` writes {d}"));
                    // A path that exists only gets new times, and it may be
                    // a directory: to a split it is the whole tree below it
                    // (copied whole, never handed over as a file).
                    cx.fx.write(PathRef::new(d.path, true));
                }
                cx.fx.cost += 0.01;
            }
            "cp" | "mv" | "install" => copy_like(cx, name, cmd, uncertain)?,
            "gzip" | "gunzip" | "zcat" => {
                let p = cu::parse(args, &cu::GZIP)?;
                let decompress = name != "gzip" || p.has(&["-d", "--decompress", "--uncompress"]);
                let to_stdout = name == "zcat" || p.has(&["-c", "--stdout", "--to-stdout"]);
                let keep = p.has(&["-k", "--keep"]);
                for o in &p.operands {
                    let src = cx.exact(o)?;
                    cx.fx.reads.push(src.clone());
                    cx.fx.cost += 0.5;
                    cx.fx.cpu += 0.5;
                    if to_stdout {
                        continue;
                    }
                    writes("compresses files")?;
                    let out = if decompress {
                        let stem = [".gz", ".z", ".Z"]
                            .iter()
                            .find_map(|s| src.path.strip_suffix(s))
                            .ok_or_else(|| {
                                format!("`{name}` of {src}, whose output name rdock cannot tell")
                            })?;
                        PathRef::new(stem.to_string(), false)
                    } else {
                        PathRef::new(format!("{}.gz", src.path), false)
                    };
                    if !keep {
                        cx.fx.delete(src.clone());
                    }
                    cx.fx.notes.push(format!("`{name}` writes {out}"));
                    cx.fx.write(out);
                }
            }
            "tar" => {
                let words = cu::tar_args(args);
                let p = cu::parse(&words, &cu::TAR)?;
                let dir = match p.value(&["-C", "--directory"]) {
                    Some(d) => cx.path(d, false)?.path,
                    None if cx.cwd.is_empty() => return Err(cx.unresolved(".")),
                    None => cx.cwd.clone(),
                };
                cx.fx.need(dir.clone());
                let file = p.value(&["-f", "--file"]).cloned();
                let zipped = p.has(&["-z", "-j", "-J", "--gzip", "--bzip2", "--xz"]);
                cx.fx.cost += 1.0;
                if zipped {
                    cx.fx.cpu += 1.0;
                }
                if p.has(&["-x", "--extract", "--get"]) {
                    writes("extracts an archive")?;
                    if let Some(f) = &file {
                        let f = cx.path(f, false)?;
                        cx.fx.reads.push(f);
                    }
                    let t = PathRef::new(dir, true);
                    cx.fx.notes.push(format!("`tar -x` writes {t}"));
                    cx.fx.write(t);
                    cx.fx.unsplittable.push(
                        "extracts an archive, whose entries can change the mode and owner of the directory it is extracted into, which COPY --from does not carry".into(),
                    );
                } else if p.has(&["-c", "--create"]) {
                    let saved = std::mem::replace(&mut cx.cwd, dir);
                    for o in &p.operands {
                        let r = cx.path(o, true);
                        match r {
                            Ok(r) => cx.fx.reads.push(r),
                            Err(e) => {
                                cx.cwd = saved;
                                return Err(e);
                            }
                        }
                    }
                    cx.cwd = saved;
                    if let Some(f) = &file {
                        if f.text() != "-" {
                            writes("writes an archive")?;
                            let f = cx.exact(f)?;
                            cx.fx.notes.push(format!("`tar -c` writes {f}"));
                            cx.fx.write(f);
                        }
                    }
                } else if p.has(&["-t", "--list"]) {
                    if let Some(f) = &file {
                        let f = cx.path(f, false)?;
                        cx.fx.reads.push(f);
                    }
                } else {
                    return Err("runs `tar` without -x, -c or -t".into());
                }
            }
            "sed" => {
                let p = cu::parse(args, &cu::SED)?;
                let script_given = p.has(&["-e", "--expression", "-f", "--file"]);
                let files = &p.operands[usize::from(!script_given).min(p.operands.len())..];
                if let Some(f) = p.value(&["-f", "--file"]) {
                    let f = cx.path(f, false)?;
                    cx.fx.reads.push(f);
                }
                let in_place = p.has(&["-i", "--in-place"]);
                if in_place {
                    writes("edits files")?;
                }
                for o in files {
                    let f = cx.exact(o)?;
                    cx.fx.reads.push(f.clone());
                    if in_place {
                        cx.fx.notes.push(format!("`sed -i` rewrites {f}"));
                        cx.fx.write(f);
                    }
                }
                cx.fx.cost += 0.05;
            }
            "find" => find(cx, args)?,
            "tee" => {
                let p = cu::parse(args, &cu::TEE)?;
                writes("writes files")?;
                let append = p.has(&["-a", "--append"]);
                for o in &p.operands {
                    let f = cx.exact(o)?;
                    if append {
                        cx.fx.reads.push(f.clone());
                    }
                    cx.fx.notes.push(format!("`tee` writes {f}"));
                    cx.fx.write(f);
                }
                cx.fx.cost += 0.01;
            }
            "env" | "nice" | "nohup" | "timeout" | "stdbuf" => {
                // The command they run, after their own flags and (env) assignments.
                let mut rest = args;
                while let Some(w) = rest.first() {
                    let t = w.text();
                    let skip = if w.lit.is_none() {
                        return Err(format!(
                            "runs `{name}` with `{}`, which cannot be known",
                            w.raw
                        ));
                    } else if name == "env"
                        && t.contains('=')
                        && !t.starts_with('-')
                        && !t.starts_with('=')
                    {
                        1
                    } else if name == "nice" && (t == "-n" || t == "--adjustment") {
                        2
                    } else if name == "nice" && t.starts_with('-') {
                        1
                    } else if name == "timeout"
                        && !t.starts_with('-')
                        && rest.len() > 1
                        && t.chars().next().is_some_and(|c| c.is_ascii_digit())
                    {
                        // The duration; the command follows.
                        rest = &rest[1..];
                        break;
                    } else if name == "env" && t == "-u" {
                        2
                    } else if name == "stdbuf" && matches!(t, "-i" | "-o" | "-e") {
                        // A buffering mode for a stream: changes no file.
                        2
                    } else if name == "stdbuf"
                        && ["-i", "-o", "-e", "--input=", "--output=", "--error="]
                            .iter()
                            .any(|f| t.starts_with(f))
                    {
                        1
                    } else if t.starts_with('-') {
                        return Err(format!("runs `{name} {t}`, a flag rdock does not model"));
                    } else {
                        break;
                    };
                    rest = rest.get(skip..).unwrap_or(&[]);
                }
                if rest.is_empty() {
                    return Ok(());
                }
                let inner = cu::inner(cmd, rest.to_vec());
                let builtin = models::builtin();
                let found = models::find(extra, &inner).or_else(|| models::find(builtin, &inner));
                command(cx, found, &inner, extra)?;
            }
            "sh" | "bash" | "dash" | "ash" => {
                let p = cu::parse(args, &cu::SH)?;
                if !p.has(&["-c"]) {
                    return Err(format!(
                        "runs `{name}` on a script file, which rdock does not read"
                    ));
                }
                if p.operands.len() != 1 {
                    return Err(format!("runs `{name} -c` with positional arguments"));
                }
                if cx.depth >= 4 {
                    return Err(format!("nests `{name} -c` too deeply"));
                }
                let body = cx.text(&p.operands[0])?;
                let script = crate::shell::parse(&crate::shell::ScriptSource::contiguous(&body, 0));
                if let Some(e) = &script.error {
                    return Err(format!("`{name} -c` body does not parse: {}", e.message));
                }
                let saved_cwd = cx.cwd.clone();
                let saved_vars = cx.vars.clone();
                let saved_unc = cx.outer_uncertain;
                cx.vars.child = true;
                cx.outer_uncertain = uncertain;
                cx.depth += 1;
                let r = commands(cx, &script.commands, extra);
                cx.depth -= 1;
                cx.cwd = saved_cwd;
                cx.vars = saved_vars;
                cx.outer_uncertain = saved_unc;
                r?;
            }
            "curl" | "wget" => {
                // Writing a file named after the URL (or more files) is not modelled.
                let named = [
                    "-O",
                    "--remote-name",
                    "--remote-name-all",
                    "-J",
                    "--remote-header-name",
                    "--create-dirs",
                    "--output-dir",
                    "-D",
                    "--dump-header",
                    "-c",
                    "--cookie-jar",
                ];
                let wget_out = [
                    "-O",
                    "--output-document",
                    "-P",
                    "--directory-prefix",
                    "--spider",
                ];
                if name == "curl" {
                    if let Some(r) = remote_name(cx, cmd, &named, uncertain) {
                        return r;
                    }
                }
                let bad = if name == "curl" {
                    named
                        .iter()
                        .find(|f| cmd.has_flag(f))
                        .map(|f| f.to_string())
                } else if !wget_out.iter().any(|f| cmd.has_flag(f)) {
                    Some("without -O".to_string())
                } else {
                    None
                };
                match bad {
                    Some(f) => {
                        return Err(format!(
                        "runs `{name} {f}`, which writes files named after the URL or the response"
                    ))
                    }
                    None => return Err(String::new()),
                }
            }
            _ => return Err(String::new()),
        }
        Ok(())
    })();
    match r {
        Err(e) if e.is_empty() => None,
        other => Some(other),
    }
}

/// `curl -O URL` (`--remote-name`): one URL, saved in the working
/// directory under the last segment of the URL's path (curl takes the name
/// from the URL as given, query and fragment left out, and replaces a file
/// of that name). `None` when the command is not that form.
fn remote_name(
    cx: &mut Ctx<'_>,
    cmd: &Command,
    named: &[&str],
    uncertain: bool,
) -> Option<Result<(), String>> {
    let is_o = |t: &str| {
        t == "-O"
            || t == "--remote-name"
            // A cluster of flags that take no value: `-fsSLO`.
            || (t.starts_with('-')
                && !t.starts_with("--")
                && t.contains('O')
                && t[1..].chars().all(|c| "fsSLOkqv#gn".contains(c)))
    };
    let remotes = cmd.args().iter().filter(|w| is_o(w.text())).count();
    let others = named
        .iter()
        .any(|f| !matches!(*f, "-O" | "--remote-name") && cmd.has_flag(f));
    let output = cmd.has_flag("-o")
        || cmd
            .args()
            .iter()
            .any(|w| w.text() == "--output" || w.text().starts_with("--output="));
    if remotes != 1 || others || output {
        return None;
    }
    let spec = crate::shell::spec::spec("curl");
    let urls = spec.positional(cmd);
    Some((|| {
        if uncertain {
            return Err("`curl` writes files only under a condition".to_string());
        }
        let [url] = urls.as_slice() else {
            return Err("runs `curl -O` with more than one URL".to_string());
        };
        let url = cx.text(url)?;
        let path = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split(['?', '#'])
            .next()
            .unwrap_or("");
        let file = path
            .split_once('/')
            .map(|(_, p)| p.rsplit('/').next().unwrap_or(""))
            .unwrap_or("");
        if file.is_empty() || file.contains(['%', '\\']) || file == "." || file == ".." {
            return Err(format!(
                "runs `curl -O {url}`, whose file name rdock cannot tell"
            ));
        }
        let at = resolve(&cx.cwd, file).ok_or_else(|| cx.unresolved(file))?;
        cx.fx.write(PathRef::new(at, false));
        cx.fx.cost += 3.0;
        Ok(())
    })())
}

/// `find` that only reads: the start points (the words before the
/// expression, the working directory when there are none) are read whole,
/// and a test naming a file (`-newer F`) reads it. An action that writes
/// or runs something (`-delete`, `-exec`, `-fprint`), following links
/// (`-L`), or a word rdock does not know is an error: the step stays opaque.
fn find(cx: &mut Ctx<'_>, args: &[ShWord]) -> Result<(), String> {
    const NO_VALUE: &[&str] = &[
        "-print",
        "-print0",
        "-ls",
        "-quit",
        "-prune",
        "-empty",
        "-readable",
        "-writable",
        "-executable",
        "-nouser",
        "-nogroup",
        "-depth",
        "-d",
        "-noleaf",
        "-xdev",
        "-mount",
        "-daystart",
        "-true",
        "-false",
        "-not",
        "!",
        "(",
        ")",
        ",",
        "-a",
        "-o",
        "-and",
        "-or",
        "-warn",
        "-nowarn",
        "-ignore_readdir_race",
        "-noignore_readdir_race",
    ];
    const ONE_VALUE: &[&str] = &[
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-lname",
        "-ilname",
        "-type",
        "-xtype",
        "-perm",
        "-size",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-inum",
        "-links",
        "-maxdepth",
        "-mindepth",
        "-fstype",
        "-used",
        "-printf",
        "-regextype",
    ];
    const A_FILE: &[&str] = &["-newer", "-anewer", "-cnewer", "-samefile"];
    let mut i = 0;
    while let Some(w) = args.get(i) {
        match w.text() {
            "-P" | "-H" => i += 1,
            "-L" => return Err("runs `find -L`, which follows links anywhere".into()),
            "-D" => i += 2,
            t if t.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    let rest = args.get(i..).unwrap_or_default();
    let starts = rest
        .iter()
        .take_while(|w| !(w.text().starts_with('-') || matches!(w.text(), "(" | "!" | ",")))
        .count();
    let mut reads = Vec::new();
    let expr = &rest[starts..];
    let mut j = 0;
    while let Some(w) = expr.get(j) {
        let t = w.text();
        if NO_VALUE.contains(&t) {
            j += 1;
        } else if ONE_VALUE.contains(&t) {
            j += 2;
        } else if A_FILE.contains(&t) {
            let f = expr
                .get(j + 1)
                .ok_or_else(|| format!("runs `find {t}` without a file"))?;
            reads.push(cx.path(f, false)?);
            j += 2;
        } else if t == "-follow" {
            return Err("runs `find -follow`, which follows links anywhere".into());
        } else {
            return Err(format!(
                "runs `find {t}`, whose effects rdock cannot follow"
            ));
        }
    }
    for s in &rest[..starts] {
        reads.push(cx.path(s, true)?);
    }
    if starts == 0 {
        if cx.cwd.is_empty() {
            return Err(cx.unresolved("."));
        }
        reads.push(PathRef::new(cx.cwd.clone(), true));
    }
    cx.fx.reads.extend(reads);
    cx.fx.cost += 0.05;
    Ok(())
}

/// `cp`, `mv` and `install`: where each source lands.
pub(super) fn copy_like(
    cx: &mut Ctx<'_>,
    name: &str,
    cmd: &Command,
    uncertain: bool,
) -> Result<(), String> {
    use coreutils as cu;
    if uncertain {
        return Err(format!("`{name}` writes files only under a condition"));
    }
    let spec = match name {
        "cp" => &cu::CP,
        "mv" => &cu::MV,
        _ => &cu::INSTALL,
    };
    let p = cu::parse(cmd.args(), spec)?;
    cx.fx.cost += 0.05;
    if name == "cp" {
        if let Some((f, _)) = p.flags.iter().find(|(f, _)| {
            matches!(
                f.as_str(),
                "-a" | "-r"
                    | "-R"
                    | "-d"
                    | "-P"
                    | "-l"
                    | "-s"
                    | "-H"
                    | "-x"
                    | "--archive"
                    | "--recursive"
                    | "--no-dereference"
                    | "--link"
                    | "--symbolic-link"
            )
        }) {
            // Still known: what it reads and where it writes, for the
            // dependences; but the copy may be a directory or a link.
            let (srcs, dst) = split_target(&p)?;
            for s in &srcs {
                let r = cx.path(s, true)?;
                cx.fx.reads.push(r);
            }
            let d = cx.path(&dst, true)?;
            cx.fx.write(d);
            cx.fx.unsplittable.push(format!(
                "`cp {f}` copies directories or links as they are: COPY --from does not carry a directory's own mode and follows a link it is given"
            ));
            return Ok(());
        }
    }
    if name == "install" && p.has(&["-d", "--directory"]) {
        // `install -d` sets the mode it makes with chmod (0755 by default),
        // which drops the setgid bit a folder inherits from a setgid parent;
        // a folder COPY makes keeps it. Never plain.
        let plain = false;
        for o in &p.operands {
            let d = cx.exact(o)?;
            cx.dirs.push(d.path.clone());
            cx.fx.notes.push(format!("`install -d` makes {d}"));
            cx.fx.make_dir(d, plain, false);
        }
        return Ok(());
    }
    let into = if p.has(&["-T", "--no-target-directory"]) {
        Some(false)
    } else if p.value(&["-t", "--target-directory"]).is_some() {
        Some(true)
    } else {
        None
    };
    let (srcs, dst) = split_target(&p)?;
    let into = if srcs.len() > 1 { Some(true) } else { into };
    if name == "install" && p.has(&["-D"]) {
        // Leading directories are made as `mkdir -p` would.
        let d = cx.exact(&dst)?;
        let parent = if into == Some(true) {
            d.path.clone()
        } else {
            d.path.rsplit_once('/').map_or("/".into(), |(a, _)| {
                if a.is_empty() {
                    "/".into()
                } else {
                    a.to_string()
                }
            })
        };
        cx.dirs.push(parent.clone());
        // Made with an explicit mode, as `install -d` makes them.
        cx.fx.make_dir(PathRef::new(parent, false), false, false);
    }
    for s in &srcs {
        let src = cx.exact(s)?;
        cx.fx.reads.push(src.clone());
        let base = src.path.rsplit('/').next().unwrap_or("").to_string();
        match cx.landing(&dst, &base, into)? {
            Some(out) => {
                if name == "mv" {
                    cx.fx.delete(src.clone());
                    // A moved directory keeps everything below it.
                    let out = PathRef::new(out.path, true);
                    cx.fx.notes.push(format!("`mv` moves {src} to {out}"));
                    cx.fx.write(out);
                } else {
                    cx.fx.notes.push(format!("`{name}` writes {out}"));
                    cx.fx.write(out);
                }
            }
            None => {
                // A file named `dst`, or `dst/NAME` in an existing directory:
                // copying all of `dst` carries either (a directory's other
                // files come back as they were).
                let d = cx.exact(&dst)?;
                let d = PathRef::new(d.path, true);
                if name == "mv" {
                    cx.fx.delete(src.clone());
                }
                cx.fx.notes.push(format!("`{name}` writes {d}"));
                cx.fx.write(d);
            }
        }
    }
    Ok(())
}

/// Sources and destination: `-t DIR` or the last operand.
pub(super) fn split_target(p: &coreutils::Parsed) -> Result<(Vec<ShWord>, ShWord), String> {
    if let Some(d) = p.value(&["-t", "--target-directory"]) {
        return Ok((p.operands.clone(), d.clone()));
    }
    match p.operands.split_last() {
        Some((dst, srcs)) if !srcs.is_empty() => Ok((srcs.to_vec(), dst.clone())),
        _ => Err("copies without a source and a destination".into()),
    }
}
