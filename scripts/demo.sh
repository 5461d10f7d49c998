#!/usr/bin/env bash
# THE demo command: sets the machine up, then runs attend-server with a demo organisation and one
# simulated kiosk (attendd) syncing to it.
#
# - The server seeds (on an empty database) an organisation, a site, four employees with PINs
#   (1001-1004 / 1234, 2345, 3456, 4567), an org admin and a manager (password
#   `attend-demo-password`), a lathe (code 4711) and a kiosk, whose code provisions attendd.
# - attendd replays photos from ../shared/faces as its camera (recognition on the real models;
#   nobody is enrolled yet, so faces are answered "unknown — use PIN"), uses a socket keypad and
#   fake relays, and shows its screen on http://127.0.0.1:8081.
# - A scripted keypad then clocks employee 1001 in by PIN, starts the lathe and stops it, so the
#   API shows synced punches and an equipment session within a minute.
#
# Data lives in ./data/demo (delete it to start over). Ctrl-C stops both processes.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$PWD"

bash scripts/setup.sh
ensure_cargo_on_path

data="$root/data/demo"
mkdir -p "$data"
listen="${ATTEND_LISTEN:-127.0.0.1:8080}"
screen="${ATTENDD_SCREEN:-127.0.0.1:8081}"
photos="$root/$DEMO_PHOTOS"

recognition=false
if [[ -d "$photos" ]]; then
    bash scripts/setup-ort.sh >/dev/null
    bash scripts/setup-models.sh
    recognition=true
else
    log "$photos not found: the kiosk runs PIN-only"
fi

cargo build --locked -p attend-server -p attend-device
server="$root/target/debug/attend-server"
attendd="$root/target/debug/attendd"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# With the models present, the dashboard can also enrol faces from uploaded photos.
vision=()
if [[ "$recognition" == true ]]; then
    vision=(ATTEND_VISION__MODELS_DIR="$root/.cache/models")
fi
start_demo_server "$server" "$data/server.db" "$listen" "$data/server.log" "${vision[@]}" ATTEND_LOG_FORMAT=pretty
pids+=("$demo_server_pid")

kiosk="$data/kiosk"
mkdir -p "$kiosk"
if [[ ! -f "$kiosk/credentials.json" ]]; then
    code="$(demo_provisioning_code "$data/server.log")"
    ATTENDD_STATE_DIR="$kiosk" "$attendd" provision --server "http://$listen" --code "$code"
fi

camera="fake?size=320x240&fps=2"
[[ "$recognition" == true ]] && camera="dir:$photos?fps=2&loop=true"
cat >"$data/attendd.toml" <<TOML
state_dir = "$kiosk"

[camera]
source = "$camera"

[keypad]
kind = "socket"
path = "$kiosk/keypad.sock"

[outputs]
kind = "fake"
relays = 2

[recognition]
enabled = $recognition
models_dir = "$root/.cache/models"
frames_needed = 3
margin = 0.05
int8 = true
threads = 1

[screen]
listen = "$screen"

[sync]
batch_size = 500
base_backoff_ms = 500
max_backoff_ms = 30000
idle_poll_ms = 1000
roster_interval_s = 10
heartbeat_interval_s = 30
TOML
"$attendd" run --config "$data/attendd.toml" >"$data/attendd.log" 2>&1 &
pids+=($!)

printf '\ndemo: attend-server  http://%s   (API docs http://%s/api/docs)\n' "$listen" "$listen"
printf 'demo: kiosk screen   http://%s   (logs in %s)\n' "$screen" "$data"
printf 'demo: dashboard      http://%s/dashboard  (admin@acme.example / attend-demo-password; the live board is /dashboard/live)\n\n' "$listen"

# The scripted keypad: PIN punch for 1001, start the lathe, stop it.
keys() { sleep "$1"; "$attendd" send-keys --socket "$kiosk/keypad.sock" "$2" >/dev/null && printf 'demo: keypad typed %s\n' "$2"; }
keys 8 "1001# 1234#"
keys 2 "4711#"
keys 10 "4711#"

sleep 3
token=$(curl -fsS -X POST "http://$listen/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"admin@acme.example","password":"attend-demo-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
printf '\ndemo: events synced from the kiosk (GET /api/v1/device-events):\n'
curl -fsS "http://$listen/api/v1/device-events?limit=100" -H "authorization: Bearer $token" \
    | python3 -c 'import collections, json, sys
for e in json.load(sys.stdin)["items"]:
    b = e["payload"]["body"]
    detail = b.get("punch_type") or b.get("action", "")
    print("  ", e["captured_at"][11:19], e["kind"], detail, b.get("method") or b.get("stop_reason") or "")' || true
printf '\ndemo: running; Ctrl-C stops the server and the kiosk\n'
wait
