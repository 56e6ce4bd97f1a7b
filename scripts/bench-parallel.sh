#!/usr/bin/env bash
# Benchmark rdock's parallel-stage rewrite on a real BuildKit engine: build a
# serial Dockerfile and the file `rdock lint --fix` writes for it, alternating,
# N times each with --no-cache, and print medians, the ratio, and whether the
# two final filesystems are the same (entry by entry: path, type, mode, owner,
# size, content, link target; mtimes normalised with SOURCE_DATE_EPOCH).
#
#   scripts/bench-parallel.sh [--runs N] [DOCKERFILE...]
#
# Needs a BuildKit engine (scripts/engine.sh starts one) and the base images
# the files use; by default it benchmarks busybox variants of the seed's
# serial file and of examples/serial.Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        *) files+=("$1"); shift ;;
    esac
done
if [ -f /opt/rdock-engine/env ] && [ -z "${DOCKER_HOST:-}" ]; then
    # shellcheck disable=SC1091
    . /opt/rdock-engine/env
fi
docker buildx version >/dev/null 2>&1 || { echo "no BuildKit engine: run scripts/engine.sh first" >&2; exit 2; }
cargo build --release --quiet
rdock=$PWD/target/release/rdock
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A base like real ones: busybox plus the empty /dev, /proc and /sys that
# images such as debian and alpine ship (runc creates them on the first RUN
# otherwise, and a stage without RUN would lack them).
if ! docker image inspect rdock-bench/base:latest >/dev/null 2>&1; then
    printf 'FROM busybox:latest\n' > "$work/base.Dockerfile"
    docker buildx build --network=none --progress=quiet -f "$work/base.Dockerfile" \
        --output "type=tar,dest=$work/base.tar" "$work" >/dev/null
    mkdir -p "$work/base" && tar -C "$work/base" -xf "$work/base.tar"
    mkdir -p "$work/base/dev" "$work/base/proc" "$work/base/sys"
    tar -C "$work/base" -c . | docker import - rdock-bench/base:latest >/dev/null
    rm -rf "$work/base" "$work/base.tar"
fi
if [ ${#files[@]} -eq 0 ]; then
    printf 'FROM rdock-bench/base:latest\nWORKDIR /app\nRUN sleep 5 && echo "task1 Done" > /app/task1.log\nRUN sleep 5 && echo "task2 Done" > /app/task2.log\nRUN sleep 5 && echo "task3 Done" > /app/task3.log\n' > "$work/seed-serial.Dockerfile"
    sed 's/debian:12.4/rdock-bench\/base:latest/' examples/serial.Dockerfile > "$work/example-serial.Dockerfile"
    files=("$work/seed-serial.Dockerfile" "$work/example-serial.Dockerfile")
fi

now() { date +%s.%N; }
build() { # file output.tar -> prints seconds
    local t0 t1
    t0=$(now)
    docker buildx build --no-cache --network=none --progress=quiet \
        --build-arg SOURCE_DATE_EPOCH=0 -f "$1" --output "type=tar,dest=$2" "$work" >/dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
listing() { python3 - "$1" <<'PY'
import hashlib, sys, tarfile
for m in sorted(tarfile.open(sys.argv[1]), key=lambda m: m.name):
    h = hashlib.sha256(tarfile.open(sys.argv[1]).extractfile(m).read()).hexdigest()[:16] if m.isfile() else ""
    print(m.name, m.type, oct(m.mode), m.uid, m.gid, m.size, h, m.linkname)
PY
}

printf '%-28s %6s %10s %10s %7s  %s\n' file runs "serial s" "split s" ratio "same filesystem"
for f in "${files[@]}"; do
    name=$(basename "$f")
    cp "$f" "$work/original.Dockerfile"
    cp "$f" "$work/split.Dockerfile"
    "$rdock" lint --fix --no-config --quiet "$work/split.Dockerfile" >/dev/null 2>&1 || true
    if cmp -s "$work/original.Dockerfile" "$work/split.Dockerfile"; then
        printf '%-28s rdock proposes no split\n' "$name"
        continue
    fi
    : > "$work/a.times"; : > "$work/b.times"
    for _ in $(seq "$runs"); do
        build "$work/original.Dockerfile" "$work/a.tar" >> "$work/a.times"
        build "$work/split.Dockerfile" "$work/b.tar" >> "$work/b.times"
    done
    a=$(median < "$work/a.times"); b=$(median < "$work/b.times")
    same=no
    if diff <(listing "$work/a.tar") <(listing "$work/b.tar") > "$work/diff"; then same=yes; fi
    printf '%-28s %6s %10.2f %10.2f %6.2fx  %s\n' "$name" "$runs" "$a" "$b" "$(echo "$a / $b" | bc -l)" "$same"
    [ "$same" = yes ] || sed 's/^/    /' "$work/diff"
done
echo "medians of alternating --no-cache builds on $(docker version --format '{{.Server.Version}}' 2>/dev/null) ($(nproc) cores)"
