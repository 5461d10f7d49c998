#!/usr/bin/env bash
# Provides ONNX Runtime's shared library for attend-vision (the `ort` crate loads it at run time).
#
#   bash scripts/setup-ort.sh [x86_64|aarch64]      (or ATTEND_ORT_ARCH=aarch64; default: this host)
#
# Takes libonnxruntime.so.<version> out of the pinned PyPI `onnxruntime` wheel for that
# architecture (pip download: PyPI is the only registry CI can reach), checks the sha256 of both
# the wheel and the library, and installs it as
#   .cache/onnxruntime/<arch>/libonnxruntime.so.<version>   (name as in the wheel)
#   .cache/onnxruntime/<arch>/libonnxruntime.so             (symlink)
# Prints the library's absolute path on stdout (everything else goes to stderr), so
#   export ORT_DYLIB_PATH="$(bash scripts/setup-ort.sh)"
# works. Idempotent: when the library is already there with the right sha256 it does nothing else.
#
# aarch64 is for the Raspberry Pi (64-bit Raspberry Pi OS / Debian 12, glibc 2.36; the wheel is
# manylinux_2_28). The wheel's CPU library needs nothing but glibc and libstdc++.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ORT_VERSION comes from lib.sh.
PY_VERSION=3.11 # which wheel to take; the sha256 pins below are those of the cp311 wheels

# sha256 of the wheels on PyPI and of the library inside each (downloaded once to learn them).
declare -A WHEEL_SHA256=(
    [x86_64]=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
    [aarch64]=da05378364c44d4407e463982d2bf8d5e4cfea873283757e48beeb41df97b7f3
)
declare -A LIB_SHA256=(
    [x86_64]=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
    [aarch64]=8aa3b76b28c778a2b1dd660d34161adb1d508c9ccd04ff9dc80e26eca5df8467
)

arch="${1:-${ATTEND_ORT_ARCH:-$(uname -m)}}"
case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "unsupported architecture '$arch': use x86_64 or aarch64" ;;
esac

lib_name="libonnxruntime.so.$ORT_VERSION"
dest_dir=".cache/onnxruntime/$arch"
lib="$dest_dir/$lib_name"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

installed_ok() {
    [[ -f "$lib" ]] && [[ "$(sha256_of "$lib")" == "${LIB_SHA256[$arch]}" ]] &&
        [[ "$(readlink "$dest_dir/libonnxruntime.so" 2>/dev/null || true)" == "$lib_name" ]]
}

if installed_ok; then
    log "ONNX Runtime $ORT_VERSION ($arch) already installed"
    printf '%s\n' "$PWD/$lib"
    exit 0
fi

# Any pip will do for `pip download`: the caller's choice, the tooling venv's, or python3's.
# A bare Debian python3 has no pip, so make the tooling venv when there is none.
pip_cmd=()
if [[ -n "${PIP:-}" ]]; then
    read -r -a pip_cmd <<<"$PIP"
elif [[ -x .cache/venv/bin/python ]]; then
    pip_cmd=(.cache/venv/bin/python -m pip)
elif python3 -m pip --version >/dev/null 2>&1; then
    pip_cmd=(python3 -m pip)
else
    log "no pip found: creating .cache/venv for it"
    python3 -m venv .cache/venv || die "python3 -m venv failed: on Debian install python3-venv (scripts/setup.sh does)"
    pip_cmd=(.cache/venv/bin/python -m pip)
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

log "downloading onnxruntime==$ORT_VERSION for $arch from PyPI"
"${pip_cmd[@]}" download "onnxruntime==$ORT_VERSION" --no-deps --only-binary=:all: \
    --platform "manylinux_2_28_$arch" --python-version "$PY_VERSION" \
    --disable-pip-version-check --quiet -d "$tmp" >&2 ||
    die "pip download of onnxruntime==$ORT_VERSION ($arch) failed: is PyPI reachable?"

shopt -s nullglob
wheels=("$tmp"/onnxruntime-"$ORT_VERSION"-*.whl)
((${#wheels[@]} == 1)) || die "expected one onnxruntime wheel in the download, found ${#wheels[@]}"
wheel="${wheels[0]}"
got="$(sha256_of "$wheel")"
[[ "$got" == "${WHEEL_SHA256[$arch]}" ]] || die "sha256 mismatch for $(basename "$wheel")
  expected ${WHEEL_SHA256[$arch]}
  actual   $got"

# unzip is not on a bare Debian; python3 is (scripts/setup.sh).
python3 - "$wheel" "onnxruntime/capi/$lib_name" "$tmp/$lib_name" <<'PY' || die "$lib_name not found in $(basename "$wheel")"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
got="$(sha256_of "$tmp/$lib_name")"
[[ "$got" == "${LIB_SHA256[$arch]}" ]] || die "sha256 mismatch for $lib_name from $(basename "$wheel")
  expected ${LIB_SHA256[$arch]}
  actual   $got"

mkdir -p "$dest_dir"
chmod 0755 "$tmp/$lib_name"
mv -f "$tmp/$lib_name" "$lib"
ln -sfn "$lib_name" "$dest_dir/libonnxruntime.so"
installed_ok || die "installed $lib but it does not check out"
log "installed ONNX Runtime $ORT_VERSION ($arch)"
printf '%s\n' "$PWD/$lib"
