#!/usr/bin/env bash
# Build rdock and lint the example Dockerfiles (the main job, on a fresh machine).
# rdock exits 1 because the examples have findings on purpose; that is success here.
set -euo pipefail
cd "$(dirname "$0")/.."
# RDOCK_PROFILE=dev uses the debug build (CI: the tests have just built it).
profile=${RDOCK_PROFILE:-release}
cargo build --locked --profile "$profile"
dir=$profile
[ "$profile" = dev ] && dir=debug
rc=0
"./target/$dir/rdock" lint examples/ "$@" || rc=$?
if [ "$rc" -gt 1 ]; then
    echo "rdock failed with exit code $rc" >&2
    exit "$rc"
fi
