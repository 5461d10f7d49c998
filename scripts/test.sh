#!/usr/bin/env bash
# THE test command: every check CI runs, in order — formatting, clippy (warnings are errors),
# every test in the workspace, the API contract test, and a short run of every fuzz target. Does its own set-up first (scripts/setup.sh), so it works on a
# fresh Debian 12 machine. Ends with a table of how long each stage took (also when one fails).
#
#   bash scripts/test.sh                  everything but the Raspberry Pi stage
#   ATTEND_CROSS=1 bash scripts/test.sh   and the Pi stage (what CI runs: .ci/run sets it)
#
# The Pi stage is opt-in because it changes the machine: scripts/setup-cross.sh adds arm64 as a
# foreign dpkg architecture and the bookworm-backports apt source, and scripts/test-packages.sh
# installs and purges the Debian packages with dpkg.
#
# Builds stay in the repository's own target/. Clippy and the tests both use the dev profile, so
# the dependencies built for one are reused by the other. The Pi stage builds in release mode:
# aarch64 in target/cross (Debian's compiler), the amd64 server in target/release.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Read and then removed: attend-server takes every ATTEND_* variable as configuration and refuses
# unknown ones, and the tests start it.
pi_stage="${ATTEND_CROSS:-}"
unset ATTEND_CROSS

if [[ "${CI:-}" == "true" ]]; then
    export CARGO_TERM_COLOR=never
    # A fresh clone builds once: incremental state would only cost time and disk.
    export CARGO_INCREMENTAL=0
fi

stage_rows=()
current=""
current_started=0

# stage NAME COMMAND...: runs one stage under a heading and records how long it took.
stage() {
    current="$1"
    shift
    step "$current"
    current_started=$SECONDS
    "$@"
    stage_rows+=("$(printf '%-64s %6d s' "$current" $((SECONDS - current_started)))")
    current=""
}

# On every exit, so a failed run still says where its time went.
report() {
    if [[ -n "$current" ]]; then
        stage_rows+=("$(printf '%-64s %6d s  FAILED' "$current" $((SECONDS - current_started)))")
    fi
    printf '\nstage durations:\n'
    printf '  %s\n' "${stage_rows[@]}"
    printf '  %-64s %6d s\n' "total" "$SECONDS"
}
trap report EXIT

stage "scripts/setup.sh" bash scripts/setup.sh
# setup.sh may have found a rustup toolchain that is not on this shell's PATH.
ensure_cargo_on_path

# ONNX Runtime from the pinned PyPI wheel, then the models (fetched, converted, sha256-checked)
# and the conversion parity test against dlib itself. The Rust vision tests need both.
stage "scripts/setup-ort.sh" bash scripts/setup-ort.sh
stage "scripts/test-models.sh" bash scripts/test-models.sh

# A local S3-compatible server (moto) for the S3 attachment storage test.
stage "scripts/setup-s3-test.sh" bash scripts/setup-s3-test.sh
# A local SMTP server (aiosmtpd) for the e-mail delivery tests.
stage "scripts/setup-smtp-test.sh" bash scripts/setup-smtp-test.sh
# PostgreSQL 15 (Debian's), for the tests that start throwaway clusters on it.
stage "scripts/setup-postgres-test.sh" bash scripts/setup-postgres-test.sh
# nginx (Debian's), for the end-to-end test of two server instances behind a load balancer.
stage "scripts/setup-nginx-test.sh" bash scripts/setup-nginx-test.sh

# The pinned cargo-fuzz and libFuzzer, once per machine, so the fuzz stage times only the
# targets' build and runs.
stage "scripts/setup-fuzz.sh" bash scripts/setup-fuzz.sh

stage "cargo fmt --all -- --check" cargo fmt --all -- --check
stage "cargo clippy --workspace --all-targets --locked -- -D warnings" \
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Plain `cargo test` so each test binary's closing `test result:` line is printed. Every
# model-heavy suite runs here, natively; the Pi stage runs only a chosen few under qemu.
stage "cargo test --workspace --locked" cargo test --workspace --locked

# The server's API suite again, on PostgreSQL: `with-postgres` starts a throwaway PostgreSQL 15
# cluster (a cluster that does not start fails the stage) and every server the suite spawns
# gets a database of its own there, checked through /readyz. Not again: the Chromium page tests
# (they run above, on SQLite), and the tests that start PostgreSQL clusters of their own.
stage "the API suite on PostgreSQL (with-postgres cargo test --test api)" \
    cargo run --quiet --locked -p attend-testkit --bin with-postgres -- \
    cargo test --locked -p attend-server --test api -- \
    --skip accessibility:: --skip browser:: --skip dashboard:: --skip dashboard_people:: \
    --skip postgres_schema:: --skip postgres_tls::

# The API against its OpenAPI document, by an outside client (Schemathesis, every phase and
# check) on the debug server the stage above built.
stage "scripts/contract-test.sh (Schemathesis against the OpenAPI document)" \
    bash scripts/contract-test.sh

# Every fuzz target for 10 s, two at a time, built in target/fuzz (its own workspace: the
# stages above never build it). `bash scripts/fuzz.sh 900` is the longer run.
stage "scripts/fuzz.sh 10 (every fuzz target, 10 s each)" bash scripts/fuzz.sh 10

# The Raspberry Pi stage: the aarch64 release build, a selection of the device and vision tests
# under qemu (see scripts/cross.sh), the Debian packages and their install test.
if [[ "$pi_stage" == 1 ]]; then
    stage "scripts/cross.sh build (aarch64 release)" bash scripts/cross.sh build
    stage "scripts/cross.sh test (under qemu)" bash scripts/cross.sh test
    # The arm64 packages only: the amd64 server package would cost a second full release build
    # (bash scripts/package.sh builds every package for a release).
    stage "scripts/package.sh arm64" bash scripts/package.sh arm64
    if [[ "$(id -u)" -eq 0 ]]; then
        stage "scripts/test-packages.sh" bash scripts/test-packages.sh
    else
        stage "scripts/test-packages.sh" sudo bash scripts/test-packages.sh
    fi
else
    step "Raspberry Pi stage skipped: it adds apt sources and installs packages; ATTEND_CROSS=1 runs it"
fi

step "all checks passed"
