#!/usr/bin/env bash
# Idempotent set-up for the native aarch64 cross route (a fresh Debian 12 "bookworm" host):
#   - arm64 as a foreign dpkg architecture, and the bookworm-backports suite (qemu-user there
#     is new enough: bookworm's 7.2 crashes inside onnxruntime's CPU detection);
#   - Debian's rustc-web and cargo-web (1.96 from bookworm-security) with the arm64 standard
#     library (libstd-rust-web-dev:arm64): rustup cannot add targets without the internet;
#   - gcc-aarch64-linux-gnu (the linker), libc6-dev:arm64 and linux-libc-dev:arm64 (headers that
#     bindgen reads for the V4L2 bindings), libclang-dev (bindgen itself);
#   - qemu-user from bookworm-backports, to run the aarch64 tests here.
# It prints nothing to stdout but the cargo to use (`cargo="$(bash scripts/setup-cross.sh)"`);
# apt's own output goes to .cache/setup-cross.log.
# With libc6:arm64 installed, qemu finds the arm64 loader itself: QEMU_LD_PREFIX stays unset.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v apt-get >/dev/null 2>&1 || die "this route needs Debian 12 (apt); see the README for cross with Docker"

BACKPORTS=/etc/apt/sources.list.d/attend-bookworm-backports.sources
PACKAGES=(rustc-web cargo-web libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev:arm64
    linux-libc-dev:arm64 libclang-dev)

qemu_ok() {
    command -v qemu-aarch64 >/dev/null 2>&1 &&
        [[ "$(qemu-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')" -ge 8 ]]
}

mkdir -p .cache
# apt's output goes to a log: this script's stdout is the cargo path its callers read.
APT_LOG="$PWD/.cache/setup-cross.log"
mapfile -t missing < <(apt_missing "${PACKAGES[@]}")
if ((${#missing[@]})) || ! qemu_ok; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        log "adding arm64 as a foreign architecture"
        as_root dpkg --add-architecture arm64
    fi
    if [[ ! -f "$BACKPORTS" ]] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        log "adding bookworm-backports ($BACKPORTS)"
        printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
            as_root tee "$BACKPORTS" >/dev/null
    fi
    if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
    if ! qemu_ok; then apt_install -t bookworm-backports qemu-user; fi
fi
qemu_ok || die "qemu-aarch64 8 or newer is needed (bookworm-backports qemu-user)"

# cargo-web and rustc-web install as /usr/bin/cargo and /usr/bin/rustc; a rustup toolchain may
# come first on PATH, so callers use these paths.
[[ -x /usr/bin/cargo && -x /usr/bin/rustc ]] || die "/usr/bin/cargo or /usr/bin/rustc missing after installing cargo-web"
[[ -d /usr/lib/rustlib/aarch64-unknown-linux-gnu ]] || die "the arm64 standard library is missing (libstd-rust-web-dev:arm64)"
printf '/usr/bin/cargo\n'

