#!/usr/bin/env bash
# Install what rdock's tests need from outside the repository, on a fresh
# Debian 12 machine with Rust and Python 3 (idempotent; quick when present):
# - PyPI `dockerfile` 3.4.0: BuildKit's own parser, the oracle of tests/differential.rs.
# - PyPI `pre-commit`: runs the hooks of .pre-commit-hooks.yaml in tests/precommit.rs.
# - PyPI `jsonschema`: validates SARIF output against the SARIF 2.1.0 schema in tests/sarif.rs.
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
