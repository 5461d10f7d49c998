#!/usr/bin/env bash
# THE test command: every check CI runs, in order — formatting, clippy (warnings are errors) and
# every test in the workspace. Does its own set-up first (scripts/setup.sh), so it works on a
# fresh Debian 12 machine.
#
# Builds stay in the repository's own target/. Clippy and the tests both use the dev profile, so
# the dependencies built for one are reused by the other. The Pi stage at the end builds in
# release mode: aarch64 in target/cross (Debian's compiler), the amd64 server in target/release.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# setup.sh may have found a rustup toolchain that is not on this shell's PATH.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$cargo_home/bin/cargo" ]]; then
    export PATH="$cargo_home/bin:$PATH"
fi

if [[ "${CI:-}" == "true" ]]; then
    export CARGO_TERM_COLOR=never
    # A fresh clone builds once: incremental state would only cost time and disk.
    export CARGO_INCREMENTAL=0
fi

step() { printf '\n==> %s\n' "$*"; }

# ONNX Runtime from the pinned PyPI wheel, then the models (fetched, converted, sha256-checked)
# and the conversion parity test against dlib itself. The Rust vision tests need both.
step "scripts/setup-ort.sh"
bash scripts/setup-ort.sh
step "scripts/test-models.sh"
bash scripts/test-models.sh

# A local S3-compatible server (moto) for the S3 attachment storage test.
step "scripts/setup-s3-test.sh"
bash scripts/setup-s3-test.sh

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets --locked -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Plain `cargo test` so each test binary's closing `test result:` line is printed.
step "cargo test --workspace --locked"
cargo test --workspace --locked

# The Raspberry Pi stage: the aarch64 release build, the device and vision tests under qemu,
# the Debian packages and their install test. ATTEND_SKIP_CROSS=1 skips it on a workstation.
if [[ "${ATTEND_SKIP_CROSS:-}" != 1 ]]; then
    cross_started=$SECONDS
    step "scripts/cross.sh (aarch64 build; device and vision tests under qemu)"
    bash scripts/cross.sh
    step "scripts/package.sh"
    bash scripts/package.sh
    step "scripts/test-packages.sh"
    if [[ "$(id -u)" -eq 0 ]]; then
        bash scripts/test-packages.sh
    else
        sudo bash scripts/test-packages.sh
    fi
    printf '\ncross stage: %d s\n' "$((SECONDS - cross_started))"
fi

step "all checks passed"
