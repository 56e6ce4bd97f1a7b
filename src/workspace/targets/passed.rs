//! Names a repository's build files hand to builds: build arguments
//! (`--build-arg NAME=...`, bake and compose `args`, build-push-action
//! `build-args`) and named build contexts (`--build-context NAME=...`, bake
//! `contexts`, compose `additional_contexts`, build-push-action
//! `build-contexts`). Read line by line from any build file, whatever its
//! format: a name found means some build passes it, so a rule must not
//! judge the Dockerfile's own default for it (RD407) or call it unknown
//! (RD102).

use super::script::logical_lines;

/// What a build file passes, each name with its 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Passed {
    pub args: Vec<(String, usize)>,
    pub contexts: Vec<(String, usize)>,
}

/// What the build files of a repository pass, each name with `path:line`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassedNames {
    pub args: Vec<(String, String)>,
    pub contexts: Vec<(String, String)>,
}

impl PassedNames {
    /// Where a build argument of this name is passed, if one is.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, at)| at.as_str())
    }

    /// Where a named context of this name is passed (ASCII case ignored, as
    /// for stage names), if one is.
    pub fn context(&self, name: &str) -> Option<&str> {
        self.contexts
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, at)| at.as_str())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Arg,
    Context,
}

/// The block keys that hold build arguments or named contexts.
fn block_key(key: &str) -> Option<What> {
    match key {
        "args" | "build-args" | "build_args" | "buildArgs" | "build-arg" => Some(What::Arg),
        "contexts"
        | "additional_contexts"
        | "build-contexts"
        | "build_contexts"
        | "buildContexts" => Some(What::Context),
        _ => None,
    }
}

/// The text inside the bracket at `lines[line][col]` up to the one that
/// closes it (quotes honoured), and the (line, column) just past that.
fn bracketed(lines: &[&str], line: usize, col: usize) -> (String, (usize, usize)) {
    let mut body = String::new();
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut from = col;
    for (li, l) in lines.iter().enumerate().skip(line) {
        for (k, c) in l[from..].char_indices() {
            let k = from + k;
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '{' | '[') => depth += 1,
                (None, '}' | ']') => {
                    depth -= 1;
                    if depth == 0 {
                        return (body, (li, k + 1));
                    }
                }
                _ => {}
            }
            if depth > 0 && !(li == line && k == col) {
                body.push(c);
            }
        }
        body.push('\n');
        from = 0;
    }
    (body, (lines.len(), 0))
}

/// The first block key on a line (`args =`, `"contexts":`, `- build-args:`):
/// what it holds, whether it starts the line, and where the text after
/// `=`/`:` begins. Looked for from byte `from` on.
fn find_key(line: &str, from: usize) -> Option<(What, bool, usize)> {
    let b = line.as_bytes();
    let mut i = from;
    while i < b.len() {
        if !(b[i].is_ascii_alphabetic()) || (i > 0 && !b" \t{,\"'".contains(&b[i - 1])) {
            i += 1;
            continue;
        }
        let end = line[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(line.len(), |e| i + e);
        let key = &line[i..end];
        if let Some(what) = block_key(key) {
            let after = line[end..].trim_start_matches(['"', '\'']).trim_start();
            if let Some(rest) = after.strip_prefix(['=', ':']) {
                let before = line[..i].trim_start_matches(|c: char| c.is_whitespace() || c == '-');
                let before = before.trim_start_matches(['"', '\'']);
                return Some((what, before.is_empty(), line.len() - rest.len()));
            }
        }
        i = end.max(i + 1);
    }
    None
}

/// `NAME` of an entry `NAME=value`, `NAME: value`, `"NAME" = value`,
/// `- NAME=value`, or a bare `NAME` (compose `args: [NAME]`, `--build-arg
/// NAME` taking the value from the environment).
fn entry_name(entry: &str) -> Option<String> {
    let e = entry.trim().trim_start_matches("- ").trim();
    let e = e.trim_start_matches(['"', '\'', '[', '{', ',']);
    let end = e
        .find(['=', ':', '"', '\'', ' ', ',', '}', ']'])
        .unwrap_or(e.len());
    let name = &e[..end];
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    ok.then(|| name.to_string())
}

/// The names of the entries of an inline `{ A = 1, "B": 2 }` or `[A=1, B]`.
fn inline_names(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut quote: Option<char> = None;
    let cut = |s: &str, out: &mut Vec<String>| {
        if let Some(n) = entry_name(s) {
            out.push(n);
        }
    };
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[' | '(') => depth += 1,
            (None, '}' | ']' | ')') => depth -= 1,
            (None, ',' | '\n') if depth == 0 => {
                cut(&body[start..i], &mut out);
                start = i + 1;
            }
            _ => {}
        }
    }
    cut(&body[start..], &mut out);
    out
}

/// Every name passed in `text`, a build file of any kind.
pub fn passed_names(text: &str) -> Passed {
    let mut p = Passed::default();
    let push = |p: &mut Passed, what: What, name: String, line: usize| match what {
        What::Arg => p.args.push((name, line)),
        What::Context => p.contexts.push((name, line)),
    };
    // Flags on command lines: `--build-arg NAME=v`, `--build-arg=NAME=v`,
    // `--build-context NAME=v`, buildctl's `--opt build-arg:NAME=v` and
    // `--opt context:NAME=v`, bake's `--set t.args.NAME=v` and
    // `--set t.contexts.NAME=v`.
    for (line, l) in logical_lines(text) {
        let words: Vec<&str> = l.split_whitespace().collect();
        for (j, w) in words.iter().enumerate() {
            let w = w.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']' | '(' | ')'));
            let after = |flag: &str| j > 0 && words[j - 1] == flag;
            let next = words.get(j + 1).copied();
            let value = |rest| match rest {
                "" => next,
                r => r.strip_prefix('='),
            };
            let found = if let Some(rest) = w.strip_prefix("--build-arg") {
                value(rest).map(|v| (What::Arg, v))
            } else if let Some(rest) = w.strip_prefix("--build-context") {
                value(rest).map(|v| (What::Context, v))
            } else if after("--opt") {
                w.strip_prefix("build-arg:")
                    .map(|v| (What::Arg, v))
                    .or_else(|| w.strip_prefix("context:").map(|v| (What::Context, v)))
            } else if after("--set") || w.starts_with("--set=") {
                w.find(".args.")
                    .map(|i| (What::Arg, &w[i + 6..]))
                    .or_else(|| w.find(".contexts.").map(|i| (What::Context, &w[i + 10..])))
            } else {
                None
            };
            if let Some((what, v)) = found {
                if let Some(name) = entry_name(v) {
                    push(&mut p, what, name, line);
                }
            }
        }
    }
    // Blocks: `args = { ... }` (HCL), `"args": { ... }` (JSON), `args:`
    // followed by a YAML map, list or `|` text (compose, workflows).
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let (mut i, mut col) = (0, 0);
    while i < lines.len() {
        let raw = lines[i];
        let Some((what, at_start, rest_at)) = find_key(raw, col) else {
            (i, col) = (i + 1, 0);
            continue;
        };
        let rest = raw[rest_at..].trim_start();
        if rest.starts_with(['{', '[']) {
            // Inline, perhaps running over the next lines until it closes.
            let open = raw.len() - rest.len();
            let (body, end) = bracketed(&lines, i, open);
            for name in inline_names(&body) {
                push(&mut p, what, name, i + 1);
            }
            // (Another key may follow on the closing line.)
            (i, col) = end;
            continue;
        }
        let rest = rest.split(" #").next().unwrap_or("").trim();
        if !at_start || !(rest.is_empty() || rest.starts_with('|') || rest.starts_with('>')) {
            (i, col) = (i + 1, 0);
            continue;
        }
        // A YAML block: the lines indented deeper than the key.
        let depth = indent(raw);
        let mut j = i + 1;
        while j < lines.len() && (lines[j].trim().is_empty() || indent(lines[j]) > depth) {
            let l = lines[j].trim();
            if !l.is_empty() && !l.starts_with('#') {
                if let Some(name) = entry_name(l) {
                    push(&mut p, what, name, j + 1);
                }
            }
            j += 1;
        }
        (i, col) = (j, 0);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[(String, usize)]) -> Vec<&str> {
        v.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn command_line_flags() {
        let p = passed_names(
            "docker build --build-arg BASE=alpine:3 --build-arg=TAG \\\n  --build-context src=../src .\n\
             $(DOCKER_CMD) --build-arg IMAGE_NAME=$(IMAGE)\n\
             buildctl build --opt build-arg:GO=1.22 --opt context:deps=local:deps\n\
             docker buildx bake --set app.args.VERSION=1 --set '*.contexts.tools=docker-image://x'\n",
        );
        assert_eq!(
            names(&p.args),
            ["BASE", "TAG", "IMAGE_NAME", "GO", "VERSION"]
        );
        assert_eq!(names(&p.contexts), ["src", "deps", "tools"]);
        assert_eq!(p.contexts[0].1, 1);
    }

    #[test]
    fn bake_hcl_and_json() {
        let hcl = "target \"app\" {\n  args = {\n    GO_VERSION = \"1.22\"\n    \"BASE\" = base\n  }\n  contexts = { golang-base = \"docker-image://golang:1.22\", php = \"target:php\" }\n}\n";
        let p = passed_names(hcl);
        assert_eq!(names(&p.args), ["GO_VERSION", "BASE"]);
        assert_eq!(names(&p.contexts), ["golang-base", "php"]);
        let json =
            r#"{"target": {"app": {"args": {"A": "1", "B": "2"}, "contexts": {"src": "."}}}}"#;
        let p = passed_names(json);
        assert_eq!(names(&p.args), ["A", "B"]);
        assert_eq!(names(&p.contexts), ["src"]);
    }

    #[test]
    fn compose_and_workflow_yaml() {
        let compose = "services:\n  app:\n    build:\n      args:\n        BASE_TEST_IMAGE: cypress/factory:1\n        - NODE=20\n      additional_contexts:\n        - assets=./assets\n        deps: docker-image://x\n    image: app\n  other:\n    build:\n      args: [LIST_ARG=1, BARE]\n";
        let p = passed_names(compose);
        assert_eq!(
            names(&p.args),
            ["BASE_TEST_IMAGE", "NODE", "LIST_ARG", "BARE"]
        );
        assert_eq!(names(&p.contexts), ["assets", "deps"]);
        let workflow = "    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          build-args: |\n            VERSION=${{ github.ref_name }}\n            COMMIT=abc\n          build-contexts: |\n            tools=docker-image://tools:1\n          push: true\n";
        let p = passed_names(workflow);
        assert_eq!(names(&p.args), ["VERSION", "COMMIT"]);
        assert_eq!(names(&p.contexts), ["tools"]);
    }

    #[test]
    fn other_keys_and_words_are_not_names() {
        let p =
            passed_names("image: app\ncommand: [\"--flag\"]\nargs: --verbose\nx = { args = 1 }\n");
        assert!(p.args.is_empty(), "{p:?}");
        assert!(p.contexts.is_empty(), "{p:?}");
    }
}
