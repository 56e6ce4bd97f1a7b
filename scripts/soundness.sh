#!/usr/bin/env bash
# soundness.sh: hunt for parallel rewrites that change the image (see
# scripts/soundness.py, which this runs with the debug build of rdock).
#
#   scripts/soundness.sh --programs N [--seed S] [--batch B] [--keep DIR]
#                        [--sabotage] [--fixtures DIR] [--no-shrink]
#
# Needs the engine of scripts/engine.sh --debian (it is started if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
eval "$(scripts/engine.sh --debian)"
exec python3 scripts/soundness.py --rdock target/debug/rdock "$@"
