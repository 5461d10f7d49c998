#!/usr/bin/env bash
# Idempotent set-up for the fuzz targets (scripts/fuzz.sh), once per machine:
#   - the pinned cargo-fuzz, into cargo's own bin directory ($CARGO_HOME/bin, usually
#     ~/.cargo/bin), where it outlives any one clone;
#   - libFuzzer itself, compiled from the sources of the libfuzzer-sys version fuzz/Cargo.lock
#     pins, into ~/.cache/attend-fuzz/. libfuzzer-sys would otherwise compile it in every cold
#     build of the targets, where it is the largest single step; scripts/fuzz.sh links this one
#     through libfuzzer-sys's CUSTOM_LIBFUZZER_PATH.
# The targets run on the stable toolchain with `--sanitizer none`: no nightly, no LLVM
# packages; the C++ compiler is build-essential's (scripts/setup.sh).
#
#   bash scripts/setup-fuzz.sh     prints the libFuzzer archive's path; says what it did on stderr
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_cargo_on_path

# Pinned so a new release cannot change the flags our builds get; scripts/fuzz.sh relies on
# `--sanitizer none`, `--dev` and `--target-dir`.
CARGO_FUZZ_VERSION=0.13.2

command -v cargo >/dev/null 2>&1 || die "cargo not found: run scripts/setup.sh first"
command -v c++ >/dev/null 2>&1 || die "no C++ compiler (c++): run scripts/setup.sh (build-essential)"

installed="$(cargo fuzz --version 2>/dev/null | awk '{ print $2 }' || true)"
if [[ "$installed" == "$CARGO_FUZZ_VERSION" ]]; then
    log "cargo-fuzz $CARGO_FUZZ_VERSION present"
else
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION${installed:+ (found $installed)}"
    # Its own build directory, so the install neither waits for nor disturbs target/. A debug
    # build: it only drives cargo and the fuzz targets, and builds in a third of the time.
    cargo install --locked --quiet --debug cargo-fuzz --version "$CARGO_FUZZ_VERSION" \
        --target-dir target/fuzz-install ||
        die "cargo install cargo-fuzz $CARGO_FUZZ_VERSION failed: is crates.io reachable?"
    rm -rf target/fuzz-install
    log "installed $(cargo fuzz --version)"
fi

version="$(awk '$0 == "name = \"libfuzzer-sys\"" { getline; gsub(/"/, "", $3); print $3 }' fuzz/Cargo.lock)"
[[ -n "$version" ]] || die "fuzz/Cargo.lock names no libfuzzer-sys"
archive="${XDG_CACHE_HOME:-$HOME/.cache}/attend-fuzz/libfuzzer-sys-$version/libfuzzer.a"
if [[ -f "$archive" ]]; then
    log "libFuzzer of libfuzzer-sys $version present"
    printf '%s\n' "$archive"
    exit 0
fi

cargo fetch --manifest-path fuzz/Cargo.toml --locked --quiet ||
    die "cargo fetch of the fuzz targets' dependencies failed: is crates.io reachable?"
src="$(cargo metadata --manifest-path fuzz/Cargo.toml --locked --format-version 1 |
    python3 -c 'import json, sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "libfuzzer-sys"))')"
src="$(dirname "$src")/libfuzzer"
[[ -d "$src" ]] || die "no libFuzzer sources in $src"

log "compiling libFuzzer of libfuzzer-sys $version"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# What libfuzzer-sys's build script compiles (the top folder's files), with its flags, optimised:
# it is the fuzzing loop.
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
find "$src" -maxdepth 1 -name '*.cpp' -print0 |
    xargs -0 -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
        'c++ -c -O2 -fPIC -std=c++17 -fno-omit-frame-pointer -w "$1" -o "$2/$(basename "$1" .cpp).o"' \
        _ {} "$work" ||
    die "compiling libFuzzer failed"
ar crs "$work/libfuzzer.a" "$work"/*.o
mkdir -p "$(dirname "$archive")"
mv "$work/libfuzzer.a" "$archive"
log "libFuzzer in $archive"
printf '%s\n' "$archive"
