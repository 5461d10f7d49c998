#!/usr/bin/env bash
# Installs moto (a local S3-compatible server) into .cache/s3-venv for the attachment storage
# test, from the pinned server/tests/s3/requirements.txt; does nothing when already current.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv_with_requirements .cache/s3-venv server/tests/s3/requirements.txt
[[ -x .cache/s3-venv/bin/moto_server ]] || die "moto_server missing from .cache/s3-venv after installing"
