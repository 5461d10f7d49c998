#!/usr/bin/env bash
# Installs aiosmtpd (a local SMTP server) into .cache/smtp-venv for the e-mail delivery tests,
# from the pinned server/tests/smtp/requirements.txt; does nothing when already current. The
# tests run server/tests/smtp/sink.py with that venv's Python.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv_with_requirements .cache/smtp-venv server/tests/smtp/requirements.txt
.cache/smtp-venv/bin/python -c 'import aiosmtpd.smtp' ||
    die "aiosmtpd cannot be imported from .cache/smtp-venv after installing"
