#!/usr/bin/env bash
# The native cross route to the Raspberry Pi (aarch64-unknown-linux-gnu), on this machine without
# Docker: Debian's Rust 1.96 with the arm64 standard library, the aarch64 GNU toolchain, and
# qemu-user from bookworm-backports to run the tests.
#
#   bash scripts/cross.sh build   release attendd, attend-vision and attend-server for aarch64
#   bash scripts/cross.sh test    the device and vision test suites, run under qemu-aarch64
#   bash scripts/cross.sh         both (what scripts/test.sh runs as its cross stage)
#
# Builds go to target/cross (their own directory: a different compiler from the host's rustup
# toolchain must not invalidate the host builds). The aarch64 ONNX Runtime library comes from the
# pinned aarch64 PyPI wheel (scripts/setup-ort.sh aarch64). Tests that need real hardware (a
# camera, GPIO, a keypad) are #[ignore]d with the reason, which cargo prints; run them on a Pi
# with `cargo test -p attend-device -- --ignored`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
what="${1:-all}"
case "$what" in build | test | all) ;; *)
    printf 'usage: bash scripts/cross.sh [build|test|all]\n' >&2
    exit 2
    ;;
esac

step() { printf '\n==> cross: %s\n' "$*"; }
started=$SECONDS

cargo="$(bash scripts/setup-cross.sh)"
ort="$(bash scripts/setup-ort.sh aarch64)"

target=aarch64-unknown-linux-gnu
export RUSTC=/usr/bin/rustc
export RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64
# Tests that start attendd or attend-vision start them through qemu (no binfmt_misc here).
export ATTEND_TEST_RUNNER=qemu-aarch64
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# bindgen (nokhwa's V4L2 bindings) parses the arm64 kernel and libc headers (multiarch paths).
export BINDGEN_EXTRA_CLANG_ARGS_aarch64_unknown_linux_gnu="--target=aarch64-linux-gnu -I/usr/include/aarch64-linux-gnu"
# The tests load the aarch64 ONNX Runtime, not the host's.
export ORT_DYLIB_PATH="$ort"
unset QEMU_LD_PREFIX
common=(--release --locked --target "$target" --target-dir target/cross)

if [[ "$what" != test ]]; then
    step "build attendd, attend-vision and attend-server (release, $target)"
    "$cargo" build "${common[@]}" -p attend-device --bin attendd -p attend-vision --bin attend-vision \
        -p attend-server --bin attend-server
    for bin in attendd attend-vision attend-server; do
        path="target/cross/$target/release/$bin"
        aarch64-linux-gnu-readelf -h "$path" | grep -q 'Machine: *AArch64' || {
            printf 'cross: %s is not an aarch64 executable\n' "$path" >&2
            exit 1
        }
        stripped="$(mktemp)"
        aarch64-linux-gnu-strip -o "$stripped" "$path"
        awk -v b="$bin" -v full="$(stat -c %s "$path")" -v small="$(stat -c %s "$stripped")" \
            'BEGIN { printf "cross: %-14s %6.1f MiB (%5.1f MiB stripped, as packaged)\n", b, full / 1048576, small / 1048576 }'
        rm -f "$stripped"
    done
fi

if [[ "$what" != build ]]; then
    step "device and vision tests under $(qemu-aarch64 --version | head -n 1)"
    log="$(mktemp)"
    "$cargo" test "${common[@]}" -p attend-device -p attend-vision 2>&1 | tee "$log"
    # Tests for real hardware are #[ignore]d with the reason; cargo lists each as "ignored, …".
    awk '/^test result:/ { p += $4; i += $8 } END { printf "\ncross: %d tests passed under qemu, %d ignored (real hardware only)\n", p, i }' "$log"
    rm -f "$log"
fi

step "done in $((SECONDS - started)) s"
