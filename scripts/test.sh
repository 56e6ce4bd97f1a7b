#!/usr/bin/env bash
# Run rdock's whole test suite on a fresh machine: installs what the tests
# need from outside the repository, then `cargo test`. Extra arguments go to
# cargo test. Tests that need something absent say that they skip, unless
# RDOCK_REQUIRE_EXTERNAL=1 (as in CI), where they fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
cargo test --locked "$@"
