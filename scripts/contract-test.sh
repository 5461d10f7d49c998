#!/usr/bin/env bash
# The API contract test: Schemathesis (pinned in server/tests/contract/requirements.txt, in
# target/contract-venv) against a seeded attend-server, every phase and every check. Fails on
# any failure: a server error, a response breaking its schema or status list, a schema-valid
# request refused other than for a business rule listed in server/tests/contract/schemathesis.toml,
# or a schema-breaking request accepted. See "API contract" in ARCHITECTURE.md.
#
#   bash scripts/contract-test.sh                  uses target/debug/attend-server (built if missing)
#   CONTRACT_MAX_EXAMPLES=200 bash scripts/...     a longer run (default 10 examples an operation)
#   CONTRACT_SERVER=path/to/attend-server ...      another build of the server
#   bash scripts/contract-test.sh --seed 7          further arguments go to `schemathesis run`
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv=target/contract-venv
venv_with_requirements "$venv" server/tests/contract/requirements.txt

server="${CONTRACT_SERVER:-target/debug/attend-server}"
if [[ ! -x "$server" ]]; then
    ensure_cargo_on_path
    cargo build -p attend-server --locked
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
listen="127.0.0.1:$port"
base="http://$listen"
# The limits are off so a 429 never hides what a request would have got; 429 stays documented.
start_demo_server "$server" "$work/server.db" "$listen" "$work/server.log" \
    ATTEND_RATE_LIMIT__ENABLED=false ATTEND_AUTH__MAX_FAILURES=1000000 \
    ATTEND_AUTH__MAX_FAILURES_PER_ADDRESS=1000000 ATTEND_ATTACHMENTS_DIR="$work/attachments"
server_pid="$demo_server_pid"

# The seeded admin's token, and the seeded kiosk provisioned for the signing hook.
token="$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"admin@acme.example","password":"attend-demo-password"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
CONTRACT_ADMIN_ID="$(curl -fsS "$base/api/v1/me" -H "Authorization: Bearer $token" | json_field '["id"]')"
# The manager stands in for the admin where a request would end or edit the admin's own account.
CONTRACT_STAND_IN_ID="$(curl -fsS "$base/api/v1/users?limit=100" -H "Authorization: Bearer $token" |
    python3 -c 'import json, sys; print(next(u["id"] for u in json.load(sys.stdin)["items"] if u["email"] == "manager@acme.example"))')"
CONTRACT_BASE_URL="$base"
export CONTRACT_ADMIN_ID CONTRACT_STAND_IN_ID CONTRACT_BASE_URL
code="$(demo_provisioning_code "$work/server.log")"
credentials="$(curl -fsS "$base/api/v1/device/provision" -H 'content-type: application/json' \
    -d "{\"code\":\"$code\"}")"
CONTRACT_DEVICE_ID="$(printf '%s' "$credentials" | json_field '["device_id"]')"
CONTRACT_DEVICE_SECRET="$(printf '%s' "$credentials" | json_field '["device_secret"]')"
export CONTRACT_DEVICE_ID CONTRACT_DEVICE_SECRET

log "schemathesis against $base (server log: kept on failure)"
status=0
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=server/tests/contract \
    "$venv/bin/schemathesis" --config-file server/tests/contract/schemathesis.toml run \
    "$base/api/openapi.json" \
    --phases examples,coverage,fuzzing,stateful \
    --checks all \
    --max-examples "${CONTRACT_MAX_EXAMPLES:-10}" \
    --workers 2 \
    -H "Authorization: Bearer $token" "$@" || status=$?
if ((status != 0)); then
    tail -n 50 "$work/server.log" >&2
    die "the API breaks its contract (above: what Schemathesis found)"
fi
