#!/usr/bin/env bash
# Installs moto (a local S3-compatible server) into .cache/s3-venv for the attachment storage
# test, from the pinned server/tests/s3/requirements.txt; does nothing when already current.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=".cache/s3-venv"
stamp="$venv/.attend-requirements"
want="$(sha256sum server/tests/s3/requirements.txt | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    printf 'setup-s3-test: installing server/tests/s3/requirements.txt into %s\n' "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r server/tests/s3/requirements.txt
    printf '%s' "$want" >"$stamp"
fi
test -x "$venv/bin/moto_server"
