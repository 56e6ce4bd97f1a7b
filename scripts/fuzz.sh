#!/usr/bin/env bash
# fuzz.sh: build rdock's cargo-fuzz targets (fuzz/) and run each for a bounded
# time with libFuzzer, starting from the committed corpus (fuzz/corpus/TARGET),
# the hostile inputs of fuzz/hostile/ and the rule fixtures. A crash fails the
# script and leaves the input in fuzz/artifacts/TARGET/.
#
# Works on stable Rust: instead of `cargo fuzz run` (whose default
# AddressSanitizer needs nightly), it builds with the same coverage
# instrumentation flags that `cargo fuzz build --sanitizer none` passes to
# rustc, all of them stable (-Cpasses=sancov-module and -Cllvm-args). With
# cargo-fuzz and nightly, `cargo fuzz run TARGET` uses the same crate and
# corpus.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: scripts/fuzz.sh [--seconds N] [--minimize] [TARGET...]

  --seconds N   run each target N seconds (default 30; env RDOCK_FUZZ_SECONDS)
  --minimize    afterwards, merge what was found into a minimal fuzz/corpus/TARGET
  TARGET        parser, lint, fix, shell, lsp, generated (default: all)
USAGE
}

seconds=${RDOCK_FUZZ_SECONDS:-30}
minimize=0
targets=()
while (($#)); do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --seconds=*) seconds=${1#--seconds=}; shift ;;
        --minimize) minimize=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) usage >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=(parser lint fix shell lsp generated)
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --seconds must be a positive integer" >&2; exit 2; }

cd "$(dirname "$0")/../fuzz"
triple=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="${RUSTFLAGS:-} --cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts and proc macros.
cargo build --release --locked --target "$triple" $(printf -- '--bin %s ' "${targets[@]}")
bin=target/$triple/release

status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    new=$(mktemp -d)
    echo "=== fuzz $t for ${seconds}s"
    # New inputs go to a scratch directory; the committed corpus, the
    # hostile inputs found so far (hostile/, never minimized away) and the
    # fixtures are read only.
    if ! "$bin/$t" "$new" "corpus/$t" hostile ../tests/fixtures \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>"artifacts/$t/log"; then
        tail -n 40 "artifacts/$t/log" >&2
        echo "fuzz: $t crashed; the input is in fuzz/artifacts/$t/" >&2
        status=1
    else
        grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' "artifacts/$t/log" || true
    fi
    if ((minimize)); then
        merged=$(mktemp -d)
        "$bin/$t" -merge=1 "$merged" "corpus/$t" "$new" 2>/dev/null
        rm -rf "corpus/$t" && mv "$merged" "corpus/$t"
        echo "    corpus/$t: $(ls "corpus/$t" | wc -l) inputs"
    fi
    rm -rf "$new"
done
exit "$status"
