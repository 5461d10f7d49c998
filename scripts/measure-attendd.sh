#!/usr/bin/env bash
# Measures a release attendd against a local release attend-server (a measurement, not a test):
# resident memory with the models loaded, and CPU use while idle (camera running, no face) and
# while recognising (replayed photos with faces). Needs the setup scripts and ../shared.
#
#   bash scripts/measure-attendd.sh [seconds per phase, default 30]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
root="$PWD"
secs="${1:-30}"

bash scripts/setup-ort.sh >/dev/null
bash scripts/setup-models.sh >/dev/null
cargo build --release --locked -p attend-server -p attend-device
server="$root/target/release/attend-server"
attendd="$root/target/release/attendd"
photos="$root/$DEMO_PHOTOS"
[[ -d "$photos" ]] || die "missing $photos (../shared beside the repository)"

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

listen="127.0.0.1:18080"
start_demo_server "$server" "$work/server.db" "$listen" "$work/server.log"
pids+=("$demo_server_pid")
code="$(demo_provisioning_code "$work/server.log")"
ATTENDD_STATE_DIR="$work/kiosk" "$attendd" provision --server "http://$listen" --code "$code" >/dev/null

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

phase() {
    local name="$1" camera="$2"
    cat >"$work/attendd.toml" <<TOML
state_dir = "$work/kiosk"
[camera]
source = "$camera"
[keypad]
kind = "socket"
path = "$work/kiosk/keypad.sock"
[outputs]
kind = "fake"
relays = 2
[recognition]
models_dir = "$root/.cache/models"
threads = 1
[screen]
listen = "127.0.0.1:0"
TOML
    RUST_LOG=warn "$attendd" run --config "$work/attendd.toml" >"$work/attendd-$name.log" 2>&1 &
    local pid=$!
    sleep 10 # models loaded, roster pulled, camera running
    local t0 w0 t1
    t0=$(cpu_ticks "$pid"); w0=$(date +%s.%N)
    sleep "$secs"
    t1=$(cpu_ticks "$pid")
    local cpu
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$ticks" -v w0="$w0" -v w1="$(date +%s.%N)" \
        'BEGIN {printf "%.1f", 100 * (b - a) / hz / (w1 - w0)}')
    printf '%-44s RSS %5.1f MiB (peak %5.1f MiB), CPU %5s%% of one core\n' "$name" \
        "$(awk -v k="$(kib "$pid" VmRSS)" 'BEGIN {print k / 1024}')" \
        "$(awk -v k="$(kib "$pid" VmHWM)" 'BEGIN {print k / 1024}')" "$cpu"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "release attendd, both models loaded, $secs s per phase, $(nproc) cores"
phase "idle: 640x480 camera at 5 fps, no face" "fake?size=640x480&fps=5"
phase "recognising: replayed photos at 5 fps" "dir:$photos?fps=5&loop=true"
