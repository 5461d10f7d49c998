#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/; ARCHITECTURE.md says what each asserts) for SECONDS
# each and fails if any crashes, printing the input that did it and the command to replay it.
#
#   bash scripts/fuzz.sh               the short run of CI (scripts/test.sh): 10 s a target
#   bash scripts/fuzz.sh 900           a longer run: 15 minutes a target
#   bash scripts/fuzz.sh 60 keypad     some targets only
#
# cargo-fuzz (pinned, scripts/setup-fuzz.sh) on the stable toolchain with `--sanitizer none`:
# Rust needs no AddressSanitizer to catch its bugs, and a panic, an overflow or a failed
# assertion is a crash. libFuzzer is the one scripts/setup-fuzz.sh compiled once for this
# machine. Targets run side by side, one per core.
#
# Builds go to target/fuzz, never target/, so the instrumented build does not invalidate the
# others. Runs of up to 2 minutes a target build unoptimised (`--dev`: quick to build, overflow
# checks on); longer runs build optimised with debug assertions, which pays for its build.
#
# The committed seeds in fuzz/corpus/<target>/ are read only. What a run discovers goes to
# target/fuzz/corpus/<target>/ and seeds the next run on this machine. A crashing input is
# written to fuzz/artifacts/<target>/ (ignored by git); commit it to fuzz/corpus/ once fixed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_cargo_on_path

seconds="${1:-10}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "seconds per target must be a whole number, got '$seconds'"
shift || true

CUSTOM_LIBFUZZER_PATH="$(bash scripts/setup-fuzz.sh)"
export CUSTOM_LIBFUZZER_PATH

mapfile -t all_targets < <(cargo fuzz list --fuzz-dir fuzz)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || die "no fuzz target '$t' (there are: ${all_targets[*]})"
done

build_args=(--fuzz-dir fuzz --sanitizer none --target-dir target/fuzz)
if ((seconds <= 120)); then
    build_args+=(--dev)
else
    build_args+=(--release --debug-assertions)
fi

log "building ${#all_targets[@]} fuzz targets (cargo fuzz build ${build_args[*]})"
cargo fuzz build "${build_args[@]}"
if [[ "${CI:-}" == "true" ]] && ! git diff --quiet -- fuzz/Cargo.lock; then
    git diff -- fuzz/Cargo.lock | head -n 40 >&2
    die "fuzz/Cargo.lock is out of date: build the fuzz targets and commit it"
fi

mkdir -p target/fuzz/logs
# libFuzzer's options: a single input running over 10 s is a hang, a single allocation over
# 1 GiB a bug (no target needs a quarter of that).
fuzz_one() {
    local t="$1"
    mkdir -p "target/fuzz/corpus/$t" "fuzz/artifacts/$t"
    cargo fuzz run "${build_args[@]}" "$t" "target/fuzz/corpus/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=1024 -print_final_stats=1 \
        >"target/fuzz/logs/$t.log" 2>&1
}

# One target per core at a time.
jobs="$(nproc 2>/dev/null || echo 2)"
declare -A pids=()
for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
    log "fuzzing $t for $seconds s"
    fuzz_one "$t" &
    pids[$t]=$!
done

failed=()
for t in "${targets[@]}"; do
    if wait "${pids[$t]}"; then
        runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "target/fuzz/logs/$t.log" | tail -n 1)"
        cov="$(grep -o 'cov: [0-9]* ft: [0-9]*' "target/fuzz/logs/$t.log" | tail -n 1 || true)"
        printf '%-14s ok: %s inputs in %s s (%s)\n' "$t" "${runs:-?}" "$seconds" "${cov:-no coverage line}"
    else
        failed+=("$t")
        printf '\n%s FAILED (whole log: target/fuzz/logs/%s.log):\n' "$t" "$t"
        # The panic message without its backtrace, or libFuzzer's own verdict (hang, memory).
        sed -n -e '/panicked at/,/^stack backtrace:/p' -e '/^==[0-9]*== ERROR/p' \
            "target/fuzz/logs/$t.log" | grep -v '^stack backtrace:' | head -n 20
        crash="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "target/fuzz/logs/$t.log" | tail -n 1)"
        if [[ -n "$crash" ]]; then
            printf 'crashing input: %s\nreplay it:      CUSTOM_LIBFUZZER_PATH=%s cargo fuzz run %s %s %s\n\n' \
                "$crash" "$CUSTOM_LIBFUZZER_PATH" "${build_args[*]}" "$t" "$crash"
        else
            tail -n 20 "target/fuzz/logs/$t.log"
        fi
    fi
done

((${#failed[@]} == 0)) || die "fuzz targets failed: ${failed[*]}"
log "no crashes: ${#targets[@]} target(s), $seconds s each"
