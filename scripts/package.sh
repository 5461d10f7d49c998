#!/usr/bin/env bash
# Debian packages (dpkg-deb; no extra tooling): attendd for arm64, attend-server for amd64 and
# arm64, into target/debian/. Binaries are release builds: aarch64 through scripts/cross.sh,
# amd64 with the host toolchain. Maintainer scripts and default configs live in packaging/.
#
#   bash scripts/package.sh          every package (for a release)
#   bash scripts/package.sh arm64    the arm64 ones only (CI): the amd64 server package needs a
#                                    second full release build, about 7 minutes of a fresh run,
#                                    and its install test checks nothing the arm64 one does not
#                                    (the amd64 server itself is built and tested by cargo test)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_cargo_on_path
root="$PWD"
version="$(workspace_version)"
out="$root/target/debian"
case "${1:-all}" in
    all) server_arches=(amd64 arm64) ;;
    arm64) server_arches=(arm64) ;;
    *) die "usage: bash scripts/package.sh [arm64]" ;;
esac
rm -rf "$out"
mkdir -p "$out"

step "package: release binaries"
bash scripts/cross.sh build
if [[ " ${server_arches[*]} " == *" amd64 "* ]]; then
    cargo build --release --locked -p attend-server --bin attend-server
fi
cross_bin="target/cross/aarch64-unknown-linux-gnu/release"

# The Depends lines below are written by hand; this keeps them honest: a binary may need only
# glibc and libgcc_s (ONNX Runtime, loaded at run time, needs libstdc++).
check_needed() {
    local readelf="$1" bin="$2" lib
    for lib in $("$readelf" -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
        case "$lib" in
            libc.so.6 | libm.so.6 | libgcc_s.so.1 | libdl.so.2 | libpthread.so.0 | librt.so.1 | ld-linux*) ;;
            *) die "$bin needs $lib, which the package's Depends does not name" ;;
        esac
    done
}

# build_deb NAME ARCH DESCRIPTION -- SRC:DEST[:MODE] ...
build_deb() {
    local name="$1" arch="$2" description="$3"
    shift 4
    local stage
    stage="$(mktemp -d)"
    chmod 0755 "$stage"
    local strip=strip readelf=readelf
    if [[ "$arch" == arm64 ]]; then strip=aarch64-linux-gnu-strip readelf=aarch64-linux-gnu-readelf; fi
    local spec src dest mode
    for spec in "$@"; do
        IFS=: read -r src dest mode <<<"$spec"
        install -D -m "${mode:-0644}" "$src" "$stage$dest"
        if [[ "$dest" == /usr/bin/* ]]; then
            "$strip" "$stage$dest"
            check_needed "$readelf" "$stage$dest"
        fi
    done
    install -d -m 0755 "$stage/DEBIAN"
    for script in postinst prerm postrm; do
        install -m 0755 "packaging/$name/$script" "$stage/DEBIAN/$script"
    done
    (cd "$stage" && find etc -type f -printf '/%p\n' | sort) >"$stage/DEBIAN/conffiles"
    cat >"$stage/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: Attend operators <ops@attend.example>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: libc6 (>= 2.36), libgcc-s1, libstdc++6, adduser
Section: misc
Priority: optional
Homepage: https://attend.example
Description: $description
CONTROL
    local deb="$out/${name}_${version}_${arch}.deb"
    dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
    rm -rf "$stage"
    printf 'package: %-44s %6s KiB\n' "$(basename "$deb")" "$(($(stat -c %s "$deb") / 1024))"
}

step "package: attendd (arm64)"
build_deb attendd arm64 "Attend kiosk daemon: face and PIN attendance, equipment relays
 Runs on a Raspberry Pi with a camera, a keypad and relays; works offline and syncs to
 attend-server. ONNX Runtime and the face models are installed by \`attendd setup\`." -- \
    "$cross_bin/attendd:/usr/bin/attendd:0755" \
    "$cross_bin/attend-vision:/usr/bin/attend-vision:0755" \
    "systemd/attendd.service:/lib/systemd/system/attendd.service" \
    "packaging/attendd/attendd.toml:/etc/attend/attendd.toml:0640"

for arch in "${server_arches[@]}"; do
    bin="target/release/attend-server"
    [[ "$arch" == arm64 ]] && bin="$cross_bin/attend-server"
    step "package: attend-server ($arch)"
    build_deb attend-server "$arch" "Attend central server: attendance records, timesheets, dashboard
 Kiosks sync to it; managers use its JSON API and dashboard." -- \
        "$bin:/usr/bin/attend-server:0755" \
        "systemd/attend-server.service:/lib/systemd/system/attend-server.service" \
        "packaging/attend-server/server.toml:/etc/attend/server.toml:0640"
done
