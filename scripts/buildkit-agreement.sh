#!/usr/bin/env bash
# rdock against `docker build --check` over the whole shared corpus (CI
# checks every 5th file): writes docs/buildkit-agreement-full.md. Needs the
# engine: `eval "$(scripts/engine.sh --debian)"` first.
set -euo pipefail
cd "$(dirname "$0")/.."
RDOCK_BUILDKIT_EVERY=1 RDOCK_UPDATE_DOCS=1 exec cargo test --test it buildkit_check:: -- --nocapture "$@"
