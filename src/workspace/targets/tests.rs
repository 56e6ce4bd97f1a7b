//! The build-file parsers on small real-world shapes.

use super::*;

/// The one build a script runs: its target and Dockerfile.
fn one_build(script: &str, target: &str, dockerfile: &str) {
    let b = parse_script(script);
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].target.as_deref(), Some(target));
    assert_eq!(b[0].dockerfile, DockerfilePath::FromCwd(dockerfile.into()));
}

#[test]
fn scripts() {
    let s = "build:\n\tdocker buildx build --target=test -f build/Dockerfile . \\\n\t  --load\n\t$(DOCKER) build --target \"$(T)\" .\n# docker build --target nope .\nbuildctl build --frontend dockerfile.v0 --local context=. --local dockerfile=ci --opt target=lint\npodman build -t x --target dev ctx && echo done\n";
    let b = parse_script(s);
    assert_eq!(b.len(), 4, "{b:?}");
    assert_eq!(b[0].target.as_deref(), Some("test"));
    assert_eq!(
        b[0].dockerfile,
        DockerfilePath::FromCwd("build/Dockerfile".into())
    );
    assert_eq!(b[0].context.as_deref(), Some("."));
    assert_eq!(b[0].line, 2);
    // A target in a variable stays, as a pattern.
    assert_eq!(b[1].target.as_deref(), Some("$(T)"));
    assert_eq!(b[1].line, 4);
    assert_eq!(b[2].target.as_deref(), Some("lint"));
    assert_eq!(
        b[2].dockerfile,
        DockerfilePath::FromCwd("ci/Dockerfile".into())
    );
    assert_eq!(b[2].line, 6);
    assert_eq!(b[3].target.as_deref(), Some("dev"));
    assert_eq!(b[3].context.as_deref(), Some("ctx"));
}

#[test]
fn variables_do_not_drop_a_build() {
    // `$(VAR)` anywhere on a Makefile line.
    one_build(
        "image:\n\t$(CONTAINER_ENGINE) build --build-arg=GOARCH=$(GOARCH) -t $(REGISTRY)/app:$(TAG) --target release -f build/Dockerfile .\n",
        "release",
        "build/Dockerfile",
    );
    // A command substitution before the target and file.
    one_build(
        "docker build --build-arg NOW=$(date +%s) --target test --file \"docker/Dockerfile.$2\" .\n",
        "test",
        "docker/Dockerfile.$2",
    );
    // Targets through variables, make's `$*`, recipes' `@`, `sh -c`.
    let b = parse_script(
        "build-%:\n\t@docker build --target $* .\nfor t in \"${targets[@]}\"; do docker buildx build --target \"$t\" .; done\nsh -c \"docker build --target lint .\"\nID=$(docker build -q --target=app .)\n",
    );
    let targets: Vec<_> = b.iter().map(|b| b.target.clone().unwrap()).collect();
    assert_eq!(targets, ["$*", "$t", "lint", "app"], "{b:?}");
    // A Taskfile's folded block with Go templates.
    let b = parse_script(
        "tasks:\n  build:\n    cmds:\n      - >\n        docker buildx build --builder=x\n        --file=build/{{.FILE}}.Dockerfile\n        {{if .PLATFORM}}--platform={{.PLATFORM}}{{end}}\n        --target={{.TARGET}}\n        .\n      - echo done\n",
    );
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].target.as_deref(), Some("{{.TARGET}}"));
    assert_eq!(b[0].line, 5);
    assert_eq!(b[0].context.as_deref(), Some("."));
    assert!(pattern_matches(
        "build/{{.FILE}}.Dockerfile",
        "build/a.Dockerfile"
    ));
    // A `cd` before the build, on the same line.
    let b = parse_script("\tcd services/api && docker build -f Dockerfile.dev --target dev .\n");
    assert_eq!(b[0].context.as_deref(), Some("services/api/."));
    assert_eq!(
        b[0].dockerfile,
        DockerfilePath::FromCwd("services/api/Dockerfile.dev".into())
    );
    // buildx's own flags before `build`.
    let b = parse_script("docker buildx \\\n  --builder x \\\n  build --target main .\n");
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].target.as_deref(), Some("main"));
    // Not builds: `go build`, `docker run`, `docker buildx create`.
    assert!(
        parse_script("go build ./...\ndocker run --rm x build\ndocker buildx create --use\n")
            .is_empty()
    );
}

#[test]
fn compose_merge_keys() {
    let yaml = "x-common: &common\n  build:\n    context: .\n    target: airflow\nservices:\n  web:\n    <<: *common\n    ports: [\"80:80\"]\n";
    let b = parse_compose(yaml).unwrap();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].target.as_deref(), Some("airflow"));
}

#[test]
fn hints() {
    let text = "DOCKER_TARGET ?= slim\nARGS=\"--target debug\"\ntargets=(a b)\n    env:\n      BUILD_TARGET: tools\nTARGETARCH=amd64\ncargo build --target=$(T)\n# --target commented\n";
    let names: Vec<String> = target_hints(text, false).into_iter().map(|h| h.0).collect();
    assert_eq!(names, ["slim", "debug", "a", "b", "tools"]);
    // A build's own target, and a workflow step's `target:` input, are no hints.
    let text = "docker build \\\n  --target app .\n      with:\n        target: lint\n";
    assert!(target_hints(text, false).is_empty());
    // Cloud Build's list of args, Skaffold's `target:`, a Tiltfile.
    let text = "  args: ['build', '--target', 'prod', '.']\n    docker:\n      target: dev\ndocker_build('img', '.', target='tilt')\n";
    let names: Vec<String> = target_hints(text, true).into_iter().map(|h| h.0).collect();
    assert_eq!(names, ["prod", "dev", "tilt"]);
}

#[test]
fn patterns() {
    assert!(is_pattern("$(TARGET)"));
    assert!(is_pattern("${{ matrix.target }}"));
    assert!(is_pattern("build-$ARCH"));
    assert!(!is_pattern("build"));
    assert!(!is_pattern("a$"));
    assert!(pattern_matches("${TARGETARCH}-base", "amd64-base"));
    assert!(pattern_matches("${TARGETARCH}-base", "-base"));
    assert!(!pattern_matches("${TARGETARCH}-base", "base"));
    assert!(pattern_matches("binaries-$TARGETOS", "Binaries-linux"));
    assert!(pattern_matches("${BASE:-debug}", "anything"));
    assert!(pattern_matches(
        "platform-${TARGETPLATFORM}",
        "platform-linux/amd64"
    ));
    assert!(pattern_matches("build-$(ARCH)-$(OS)", "build-arm64-linux"));
    assert!(!pattern_matches("build-$(ARCH)", "test-arm64"));
    assert!(pattern_matches(
        "docker/Dockerfile.$2",
        "docker/Dockerfile.alpine"
    ));
    assert!(pattern_matches("$$(DIR)/Dockerfile", "a/b/Dockerfile"));
    assert!(pattern_matches("a${x}b${y}c", "aXXbYYbZc"));
    assert!(!pattern_matches("a${x}b${y}c", "aXXbYYbZ"));
    // Many variables: no exponential backtracking.
    let many = "$a-".repeat(60);
    assert!(!pattern_matches(&format!("{many}x"), &"-".repeat(200)));
}

#[test]
fn workflow_matrix_and_other_actions() {
    let wf = "jobs:\n  build:\n    strategy:\n      matrix:\n        target: [app, debug]\n        include:\n          - target: tools\n    steps:\n      - uses: docker/setup-buildx-action@v3\n      - uses: depot/build-push-action@v1\n        with:\n          file: build/Dockerfile\n          target: ${{ matrix.target }}\n      - uses: docker/build-push-action@v6\n        with:\n          target: ${{ matrix.unknown }}\n      - run: docker build --target ${{ matrix.target }}-test .\n";
    let b = parse_workflow(wf).unwrap();
    let targets: Vec<_> = b.iter().map(|b| b.target.clone().unwrap()).collect();
    assert_eq!(
        targets,
        [
            "app",
            "debug",
            "tools",
            "${{ matrix.unknown }}",
            "app-test",
            "debug-test",
            "tools-test"
        ],
        "{b:?}"
    );
    assert_eq!(
        b[0].dockerfile,
        DockerfilePath::FromCwd("build/Dockerfile".into())
    );
    // A composite action's steps.
    let action = "runs:\n  using: composite\n  steps:\n    - run: docker build --target ci .\n      shell: bash\n";
    let b = parse_workflow(action).unwrap();
    assert_eq!(b[0].target.as_deref(), Some("ci"));
}

#[test]
fn bake_variables() {
    let hcl = "variable \"T\" { default = \"x\" }\ntarget \"all\" {\n  name = \"all-${tgt}\"\n  matrix = { tgt = [\"a\", \"b\"] }\n  target = \"${tgt}\"\n}\ntarget \"v\" {\n  target = T\n  dockerfile = \"docker/${T}.Dockerfile\"\n}\n";
    let b = parse_bake_hcl(hcl).unwrap();
    assert_eq!(b.len(), 2, "{b:?}");
    assert_eq!(b[0].target.as_deref(), Some("${tgt}"));
    assert!(is_pattern(b[1].target.as_deref().unwrap()));
    assert_eq!(
        b[1].dockerfile,
        DockerfilePath::InContext("docker/${T}.Dockerfile".into())
    );
}

#[test]
fn bake_inherits() {
    let hcl = "target \"_common\" {\n  dockerfile = \"build/Dockerfile\"\n}\ntarget \"test\" {\n  inherits = [\"_common\"]\n  target = \"test\"\n}\n";
    let b = parse_bake_hcl(hcl).unwrap();
    let test = b
        .iter()
        .find(|b| b.target.as_deref() == Some("test"))
        .unwrap();
    assert_eq!(
        test.dockerfile,
        DockerfilePath::InContext("build/Dockerfile".into())
    );
    assert_eq!(test.line, 4);
    assert!(parse_bake_hcl("target {").is_err());
}

/// A cycle is refused (bake refuses it too), naming the targets; a chain
/// deeper than the bound is refused, not cut to its last targets.
#[test]
fn bake_inherits_cycles_and_depth() {
    let hcl = "target \"a\" {\n  inherits = [\"b\"]\n}\ntarget \"b\" {\n  inherits = [\"c\"]\n}\ntarget \"c\" {\n  inherits = [\"a\"]\n  dockerfile = \"x\"\n}\n";
    let e = parse_bake_hcl(hcl).expect_err("a cycle");
    assert!(e.contains("a -> b -> c -> a"), "{e}");
    let json = r#"{"target": {"a": {"inherits": ["a"]}}}"#;
    let e = parse_bake_json(json).expect_err("a cycle");
    assert!(e.contains("`a` inherits from itself (a -> a)"), "{e}");

    let chain = |n: usize| {
        let mut hcl = String::from("target \"t0\" {\n  dockerfile = \"deep.Dockerfile\"\n}\n");
        for i in 1..n {
            hcl.push_str(&format!(
                "target \"t{i}\" {{\n  inherits = [\"t{}\"]\n}}\n",
                i - 1
            ));
        }
        hcl
    };
    // At the bound, every target still gets the root's Dockerfile.
    let b = parse_bake_hcl(&chain(files::MAX_INHERITS_DEPTH)).expect("within the bound");
    assert_eq!(b.len(), files::MAX_INHERITS_DEPTH);
    assert!(b
        .iter()
        .all(|b| b.dockerfile == DockerfilePath::InContext("deep.Dockerfile".into())));
    let e = parse_bake_hcl(&chain(files::MAX_INHERITS_DEPTH + 1)).expect_err("too deep");
    assert!(e.contains("more than 256 levels"), "{e}");
}

/// Diamonds (each target inheriting from the two before it) resolve each
/// target once: the last of 2,000 gets the first one's fields, and the
/// later parent wins, as in bake.
#[test]
fn bake_inherits_diamonds_resolve_once() {
    let mut hcl = String::from("target \"t0\" {\n  dockerfile = \"a.Dockerfile\"\n}\ntarget \"t1\" {\n  inherits = [\"t0\"]\n  target = \"one\"\n}\n");
    for i in 2..200 {
        hcl.push_str(&format!(
            "target \"t{i}\" {{\n  inherits = [\"t{}\", \"t{}\"]\n}}\n",
            i - 2,
            i - 1
        ));
    }
    let start = std::time::Instant::now();
    let b = parse_bake_hcl(&hcl).expect("valid");
    // (Without memoising, 2^199 paths.)
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    let last = b.iter().find(|b| b.line == 3 * 199 + 1 + 1).expect("t199");
    assert_eq!(last.target.as_deref(), Some("one"));
    assert_eq!(
        last.dockerfile,
        DockerfilePath::InContext("a.Dockerfile".into())
    );
}
