#!/usr/bin/env bash
# bench-verify.sh: time Dockerfiles against their parallel rewrites on the
# BuildKit engine with `rdock verify`, and print for each pair the original
# time, the rewritten time, the ideal time the rewrite's stage graph predicts
# (original time over serial/critical-path of the rewrite) and their ratios.
#
# Usage: scripts/bench-verify.sh [--runs N]    (default 3; alternating builds, medians)
# Needs the engine: scripts/engine.sh --debian (the seed pair uses debian:12.4).
# Times are build times (steps, first start to last end, exporters excluded);
# every build runs with --no-cache and --network=none.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

runs=3
while (($#)); do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --runs=*) runs=${1#--runs=}; shift ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-verify: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-verify: --runs must be a positive integer" >&2; exit 2; }

if [[ -z ${DOCKER_HOST:-} ]]; then
    eval "$(scripts/engine.sh env)" || { echo "bench-verify: no engine; run scripts/engine.sh --debian" >&2; exit 2; }
fi
cargo build --quiet --locked
rdock=${CARGO_TARGET_DIR:-target}/debug/rdock

f=tests/fixtures/engine
pairs=(
    "seed|$f/seed/serial.Dockerfile|$f/seed/parallel.Dockerfile|$f/seed"
    "vendor|$f/bench/vendor-serial.Dockerfile|$f/bench/vendor-parallel.Dockerfile|$f/bench/context"
    "site|$f/bench/site-serial.Dockerfile|$f/bench/site-parallel.Dockerfile|$f/bench/context"
)

printf '%-8s %6s %10s %10s %10s %9s %9s %7s\n' pair verdict "original s" "rewrite s" "ideal s" speed-up ideal efficiency
for spec in "${pairs[@]}"; do
    IFS='|' read -r name a b ctx <<<"$spec"
    rc=0
    out=$("$rdock" verify "$a" --against "$b" --context "$ctx" --runs "$runs" --output-format json) || rc=$?
    if ((rc > 1)); then
        printf '%-8s build failed (exit %s): %s\n' "$name" "$rc" "$out"
        continue
    fi
    python3 -c '
import json, sys
v = json.loads(sys.argv[2])
a = v["original"]["median_s"]; b = v["rewrite"]["median_s"]; i = v["ideal_time_s"]
print("%-8s %6s %10.2f %10.2f %10.2f %8.2fx %8.2fx %6.0f%%" % (
    sys.argv[1], v["verdict"], a, b, i, a / b, v["ideal_speedup"], 100 * (a / b) / v["ideal_speedup"]))
' "$name" "$out"
done
echo "medians of $runs alternating runs; speed-up = original/rewrite; ideal = serial/critical path of the rewrite's stages; efficiency = speed-up/ideal"
