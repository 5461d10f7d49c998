#!/usr/bin/env bash
# Installs and removes the Debian packages from scripts/package.sh on this machine (root; it is
# a throwaway CI host) and checks what each one did: files, user and groups, permissions, a
# working binary (the arm64 one under qemu), `attendd setup` from a local directory, then that
# `dpkg --remove` keeps configuration and data and `dpkg --purge` leaves nothing behind.
#
#   bash scripts/test-packages.sh    after scripts/package.sh (all packages, or the arm64 ones)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
version="$(workspace_version)"
debs="$PWD/target/debian"
[[ "$(id -u)" -eq 0 ]] || die "run as root (it installs packages)"

failures=0
check() {
    local what="$1"
    shift
    if "$@" >/dev/null 2>&1; then
        printf '  ok    %s\n' "$what"
    else
        printf '  FAIL  %s\n' "$what"
        failures=$((failures + 1))
    fi
}
owner_mode() { [[ "$(stat -c '%U:%G %a' "$1")" == "$2" ]]; }
in_group() { id -nG "$1" | tr ' ' '\n' | grep -qx "$2"; }
absent() { [[ ! -e "$1" ]]; }
no_user() { ! getent passwd "$1"; }
removed() { ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'installed'; }

# test_server ARCH: the attend-server package of that architecture, its binary run natively or,
# for arm64, under qemu.
test_server() {
    local arch="$1" run=()
    [[ "$arch" == arm64 ]] && run=(qemu-aarch64)
    printf '\n==> attend-server (%s)\n' "$arch"
    dpkg -i "$debs/attend-server_${version}_${arch}.deb"
    check "binary runs" "${run[@]}" /usr/bin/attend-server --version
    check "unit installed" test -f /lib/systemd/system/attend-server.service
    check "user attend exists" getent passwd attend
    check "/var/lib/attend is attend's, 0750" owner_mode /var/lib/attend "attend:attend 750"
    check "config is root:attend 0640" owner_mode /etc/attend/server.toml "root:attend 640"
    check "the service user migrates the database with the packaged config" \
        runuser -u attend -- env ATTEND_DATABASE=/var/lib/attend/attend.db \
        "${run[@]}" /usr/bin/attend-server migrate --config /etc/attend/server.toml
    check "database created" test -s /var/lib/attend/attend.db
    dpkg --remove attend-server
    check "removed: binary gone" absent /usr/bin/attend-server
    check "removed: config kept" test -f /etc/attend/server.toml
    check "removed: database kept" test -f /var/lib/attend/attend.db
    dpkg --purge attend-server
    check "purged: config gone" absent /etc/attend/server.toml
    check "purged: data gone" absent /var/lib/attend
    check "purged: user gone" no_user attend
    check "purged: unit no longer enabled" absent /etc/systemd/system/multi-user.target.wants/attend-server.service
    check "purged: not installed" removed attend-server
}

# Every attend-server package that scripts/package.sh built (CI builds the arm64 one only).
server_debs=0
for arch in amd64 arm64; do
    if [[ -f "$debs/attend-server_${version}_${arch}.deb" ]]; then
        test_server "$arch"
        server_debs=$((server_debs + 1))
    fi
done
((server_debs > 0)) || die "no attend-server package in $debs: run scripts/package.sh first"

printf '\n==> attendd (arm64, with arm64 as a foreign architecture)\n'
dpkg -i "$debs/attendd_${version}_arm64.deb"
check "binary runs (qemu)" qemu-aarch64 /usr/bin/attendd --version
check "attend-vision runs (qemu)" qemu-aarch64 /usr/bin/attend-vision --help
check "unit installed" test -f /lib/systemd/system/attendd.service
check "user attendd exists" getent passwd attendd
for group in video gpio input; do
    check "attendd is in $group" in_group attendd "$group"
done
check "/var/lib/attendd is attendd's, 0700" owner_mode /var/lib/attendd "attendd:attendd 700"
check "config is root:attendd 0640" owner_mode /etc/attend/attendd.toml "root:attendd 640"
carry="$(mktemp -d)"
cp .cache/models/face_detection_yunet_2026may.onnx .cache/models/dlib_face_recognition_resnet_model_v1.onnx "$carry/"
cp ".cache/onnxruntime/aarch64/libonnxruntime.so.$ORT_VERSION" "$carry/"
check "attendd setup --from installs the runtime and models (sha256-checked)" \
    qemu-aarch64 /usr/bin/attendd --config /etc/attend/attendd.toml setup --from "$carry"
check "the models are in place" test -s /var/lib/attendd/models/dlib_face_recognition_resnet_model_v1.onnx
check "ONNX Runtime is in place" test -s "/var/lib/attendd/onnxruntime/libonnxruntime.so.$ORT_VERSION"
rm -rf "$carry"
dpkg --remove attendd
check "removed: binary gone" absent /usr/bin/attendd
check "removed: config kept" test -f /etc/attend/attendd.toml
dpkg --purge attendd
check "purged: config gone" absent /etc/attend/attendd.toml
check "purged: state gone" absent /var/lib/attendd
check "purged: user gone" no_user attendd
check "purged: unit no longer enabled" absent /etc/systemd/system/multi-user.target.wants/attendd.service
check "purged: not installed" removed attendd

if ((failures)); then
    printf '\ntest-packages: %d check(s) failed\n' "$failures"
    exit 1
fi
printf '\ntest-packages: every check passed\n'
