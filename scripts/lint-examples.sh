#!/usr/bin/env bash
# Build rdock and lint the example Dockerfiles (the main job, on a fresh machine).
# rdock exits 1 because the examples have findings on purpose; that is success here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked
rc=0
./target/release/rdock lint examples/ "$@" || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "rdock failed with exit code $rc" >&2
    exit "$rc"
fi
