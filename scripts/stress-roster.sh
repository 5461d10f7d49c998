#!/usr/bin/env bash
# The roster stress test (server/tests/api/roster_stress.rs), longer and repeatedly: ROUNDS
# rounds (default 10) of OPS operations per writer (default 500), each round on SQLite and then
# on a throwaway PostgreSQL cluster. Stops at the first failure, which prints its seed; replay
# it with TEST_ROSTER_STRESS_SEED=SEED TEST_ROSTER_STRESS_OPS=OPS. CI runs the short version
# inside the API suite.
#
#   bash scripts/stress-roster.sh [ROUNDS] [OPS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rounds="${1:-10}"
ops="${2:-500}"
bash scripts/setup-postgres-test.sh
ensure_cargo_on_path
cargo build --quiet --locked -p attend-testkit --bin with-postgres
cargo test --quiet --locked -p attend-server --test api --no-run
filter=(-- roster_stress --nocapture --test-threads 1)
for round in $(seq 1 "$rounds"); do
    step "round $round of $rounds: $ops operations per writer, SQLite"
    TEST_ROSTER_STRESS_OPS="$ops" cargo test --quiet --locked -p attend-server --test api "${filter[@]}"
    step "round $round of $rounds: $ops operations per writer, PostgreSQL"
    TEST_ROSTER_STRESS_OPS="$ops" target/debug/with-postgres \
        cargo test --quiet --locked -p attend-server --test api "${filter[@]}"
done
log "$rounds rounds passed on both backends"
