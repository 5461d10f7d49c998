#!/usr/bin/env bash
# The abuse benchmark (a benchmark, not a test: CI does not run it). A release demo server on a
# fresh SQLite file; 600 password-reset confirmations and 600 logins with random identity
# headers from many 127.0.0.x addresses, all at once, while a simulated kiosk keeps syncing from
# 127.0.0.1. Prints the server's peak RSS, the flood's statuses (401/429/503 ...) and the kiosk's
# sync p50/p99 during the flood against the same kiosk's quiet p50/p99, and during a harmless flood
# of as many connections (GET /healthz) as the reference for what the machine itself costs,
# measured in the same run.
# Goals: peak RSS under 300 MiB; the kiosk's p99 no worse than 3x quiet.
#
#   bash scripts/bench-abuse.sh                          release build, defaults
#   ATTEND_SERVER_BIN=target/debug/attend-server bash scripts/bench-abuse.sh   a given binary
#   bash scripts/bench-abuse.sh --resets 1200 --json report.json               client options
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(repo_root)"

# Read and then removed: attend-server refuses ATTEND_* variables it does not know.
server="${ATTEND_SERVER_BIN:-}"
unset ATTEND_SERVER_BIN
if [[ -z "$server" ]]; then
    ensure_cargo_on_path
    cargo build --release --locked -p attend-server
    server=target/release/attend-server
fi
[[ -x "$server" ]] || die "$server is not an executable attend-server"

# The packaged unit gives the server 65,536 descriptors (systemd/attend-server.service); so does
# this run, so the flood meets the server's limits rather than the shell's.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
trap 'kill "${demo_server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
listen="127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# The default limits and worker counts: what an installed server runs with.
start_demo_server "$server" "$work/attend.db" "$listen" "$work/server.log"
code="$(demo_provisioning_code "$work/server.log")"
log "server pid $demo_server_pid on $listen ($server)"

python3 scripts/abuse_bench.py --server "$listen" --pid "$demo_server_pid" --code "$code" "$@"
