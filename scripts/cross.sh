#!/usr/bin/env bash
# The native cross route to the Raspberry Pi (aarch64-unknown-linux-gnu), on this machine without
# Docker: Debian's Rust 1.96 with the arm64 standard library, the aarch64 GNU toolchain, and
# qemu-user from bookworm-backports to run the tests.
#
#   bash scripts/cross.sh build   release attendd, attend-vision and attend-server for aarch64
#   bash scripts/cross.sh test    the selection of device and vision tests below, under qemu
#   bash scripts/cross.sh         both (scripts/test.sh runs them as two stages of its Pi stage)
#
# What runs under qemu, and why only that: emulation makes the model-heavy suites 20-50 times
# slower (vision's real-model suite alone took 2,760 s), and they prove nothing about aarch64 that
# this selection does not. They all run natively in `cargo test --workspace`. Under qemu:
#   - every unit test of attend-device and attend-vision (`--lib --bins`): the pure logic, the
#     SQLite outbox and roster, the SIMD kernels, compiled for aarch64;
#   - the integration tests named in QEMU_TESTS below: one recognition (both models loaded;
#     detection, alignment, embedding and matching on real photos), one enrolment (the quality
#     gates and the candidate event) and one load and run of every detector in the manifest.
# The script fails unless exactly those integration tests ran and passed, so a renamed test
# cannot silently drop out of the selection.
#
# Builds go to target/cross (their own directory: a different compiler from the host's rustup
# toolchain must not invalidate the host builds). The aarch64 ONNX Runtime library comes from the
# pinned aarch64 PyPI wheel (scripts/setup-ort.sh aarch64). Tests that need real hardware (a
# camera, GPIO, a keypad) are #[ignore]d with the reason, which cargo prints; run them on a Pi
# with `cargo test -p attend-device -- --ignored`.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
what="${1:-all}"
case "$what" in build | test | all) ;; *)
    printf 'usage: bash scripts/cross.sh [build|test|all]\n' >&2
    exit 2
    ;;
esac

# The integration tests run under qemu: "TEST-BINARY EXACT-TEST-NAME" (see the header).
QEMU_TESTS=(
    "kiosk recognition::an_enrolled_person_is_recognised_once_after_three_agreeing_frames"
    "kiosk enroll::clear_portraits_become_a_candidate_with_quality_scores"
    "real pipeline::every_detector_in_the_manifest_loads_and_sees_nobody_in_a_blank_frame"
)

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
# Emulate the Raspberry Pi 4's core, the oldest kiosk we support. qemu's default `max` CPU offers
# SVE and SME, which ONNX Runtime then uses and qemu emulates about ten times slower than NEON
# (one recognition test: 434 s on `max`, 45 s on cortex-a72). QEMU_CPU=cortex-a76 is the Pi 5's.
export QEMU_CPU="${QEMU_CPU:-cortex-a72}"
unset QEMU_LD_PREFIX
common=(--release --locked --target "$target" --target-dir target/cross)

if [[ "$what" != test ]]; then
    step "cross: build attendd, attend-vision and attend-server (release, $target)"
    "$cargo" build "${common[@]}" -p attend-device --bin attendd -p attend-vision --bin attend-vision \
        -p attend-server --bin attend-server
    for bin in attendd attend-vision attend-server; do
        path="target/cross/$target/release/$bin"
        aarch64-linux-gnu-readelf -h "$path" | grep -q 'Machine: *AArch64' ||
            die "$path is not an aarch64 executable"
        stripped="$(mktemp)"
        aarch64-linux-gnu-strip -o "$stripped" "$path"
        awk -v b="$bin" -v full="$(stat -c %s "$path")" -v small="$(stat -c %s "$stripped")" \
            'BEGIN { printf "cross: %-14s %6.1f MiB (%5.1f MiB stripped, as packaged)\n", b, full / 1048576, small / 1048576 }'
        rm -f "$stripped"
    done
fi

# Sums the passed and ignored counts of every `test result:` line cargo printed.
tally() { awk '/^test result:/ { p += $4; i += $8 } END { print p + 0, i + 0 }' "$1"; }

if [[ "$what" != build ]]; then
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    step "cross: device and vision unit tests under $(qemu-aarch64 --version | head -n 1), $QEMU_CPU"
    "$cargo" test "${common[@]}" -p attend-device -p attend-vision --lib --bins 2>&1 | tee "$log"
    read -r units ignored < <(tally "$log")

    binaries=() names=()
    for entry in "${QEMU_TESTS[@]}"; do
        read -r binary name <<<"$entry"
        [[ " ${binaries[*]} " == *" --test $binary "* ]] || binaries+=(--test "$binary")
        names+=("$name")
    done
    step "cross: ${#names[@]} integration tests on the real models under qemu"
    "$cargo" test "${common[@]}" -p attend-device -p attend-vision "${binaries[@]}" \
        -- --exact "${names[@]}" 2>&1 | tee "$log"
    read -r selected _ < <(tally "$log")
    ((selected == ${#names[@]})) ||
        die "$selected of the ${#names[@]} selected integration tests ran: is a name in QEMU_TESTS out of date?"
    printf '\ncross: %d tests passed under qemu (%d unit, %d integration), %d ignored (real hardware only)\n' \
        $((units + selected)) "$units" "$selected" "$ignored"
fi

step "cross: done in $((SECONDS - started)) s"
