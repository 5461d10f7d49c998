#!/usr/bin/env bash
# THE demo command: sets the machine up (scripts/setup.sh), then runs attend-server with a demo
# organisation. On an empty database `serve --demo` migrates and seeds an organisation, a site,
# two departments, four employees with PINs, an org admin and a manager (password
# `attend-demo-password`) and an unprovisioned kiosk, and prints the logins and the kiosk's
# provisioning code. A database that already holds data is served as it is (nothing re-seeded,
# nothing printed); delete ./data/demo.db* to start over.
#
# Overridable: ATTEND_DATABASE (default ./data/demo.db), ATTEND_LISTEN (default 127.0.0.1:8080),
# ATTEND_LOG_FORMAT (default pretty) and any other ATTEND_* setting (see README.md).
#
# The kiosk daemon `attendd` is still a skeleton. Once it lands, this script will also start a
# simulated kiosk (fake camera and keypad) provisioned with the printed code, syncing to this
# server.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$cargo_home/bin/cargo" ]]; then
    export PATH="$cargo_home/bin:$PATH"
fi

export ATTEND_DATABASE="${ATTEND_DATABASE:-./data/demo.db}"
export ATTEND_LISTEN="${ATTEND_LISTEN:-127.0.0.1:8080}"
export ATTEND_LOG_FORMAT="${ATTEND_LOG_FORMAT:-pretty}"
mkdir -p "$(dirname "$ATTEND_DATABASE")"

printf '\ndemo: attend-server on http://%s (API docs: http://%s/api/docs), database %s\n' \
    "$ATTEND_LISTEN" "$ATTEND_LISTEN" "$ATTEND_DATABASE"
printf 'demo: the first build takes a few minutes; stop the server with Ctrl-C\n\n'

exec cargo run --locked -p attend-server -- serve --demo
