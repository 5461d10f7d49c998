# shellcheck shell=bash
# The scripts' shared preamble, sourced by each of them (not run on its own):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Sourcing it moves to the repository root, so every path below is relative to it. Messages go
# to stderr with the script's name, because some scripts print their result on stdout
# (`setup-ort.sh` prints the library's path, `setup-cross.sh` the cargo to use).

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ATTEND_ROOT="$PWD"

# The pinned ONNX Runtime. attendd's own pin (`ORT_VERSION` in device/src/setup.rs) must match;
# a test of attend-device (its `setup` tests) checks that it does.
# shellcheck disable=SC2034 # used by the scripts that source this
ORT_VERSION=1.31.1

# Photos of one person that the demo kiosk replays as its camera (the e2e daemon test reads them
# too, through attend-testkit).
# shellcheck disable=SC2034
DEMO_PHOTOS=../shared/faces/face_recognition/examples/knn_examples/train/obama

script_name="$(basename "$0" .sh)"

repo_root() { printf '%s\n' "$ATTEND_ROOT"; }

log() { printf '%s: %s\n' "$script_name" "$*" >&2; }

die() {
    printf '%s: error: %s\n' "$script_name" "$*" >&2
    exit 1
}

# A heading for each stage of a longer script.
step() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for: $*  (run this script as root, or install sudo)"
    fi
}

# A rustup toolchain is often installed without being on PATH in non-login shells (CI, sudo).
ensure_cargo_on_path() {
    local cargo_home="${CARGO_HOME:-$HOME/.cargo}"
    if ! command -v cargo >/dev/null 2>&1 && [[ -x "$cargo_home/bin/cargo" ]]; then
        export PATH="$cargo_home/bin:$PATH"
    fi
}

# The version in the root Cargo.toml ([workspace.package]).
workspace_version() { sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1; }

# --- apt ---------------------------------------------------------------------------------------
# APT_LOG, when set, receives apt's own output (scripts that print a result on stdout need it
# out of the way); otherwise apt writes to stderr.

apt_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# Prints the packages among the arguments that are not installed, one a line.
apt_missing() {
    local p
    for p in "$@"; do apt_installed "$p" || printf '%s\n' "$p"; done
}

apt_updated=false
apt_update_once() {
    "$apt_updated" && return 0
    log "apt-get update"
    as_root apt-get update -q >>"${APT_LOG:-/dev/stderr}" 2>&1 ||
        die "apt-get update failed${APT_LOG:+: see $APT_LOG}"
    apt_updated=true
}

# apt_install [-t SUITE] PACKAGE...
apt_install() {
    apt_update_once
    log "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        >>"${APT_LOG:-/dev/stderr}" 2>&1 || die "apt-get install $* failed${APT_LOG:+: see $APT_LOG}"
}

# Installs whichever of the packages are missing; touches neither apt nor the network otherwise.
apt_ensure() {
    local missing
    mapfile -t missing < <(apt_missing "$@")
    if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
}

# --- Python tooling ----------------------------------------------------------------------------

# venv_with_requirements VENV REQUIREMENTS [PIP ARGS...]
# Makes the venv when missing and installs REQUIREMENTS (then `pip install PIP ARGS`, if any) only
# when they changed since the last install: a stamp per requirements file records its sha256, the
# extra arguments and the Python version.
venv_with_requirements() {
    local venv="$1" requirements="$2"
    shift 2
    if [[ ! -x "$venv/bin/python" ]]; then
        command -v python3 >/dev/null 2>&1 || die "python3 not found: run scripts/setup.sh (or apt-get install python3 python3-venv)"
        log "creating $venv"
        python3 -m venv "$venv" || die "python3 -m venv failed: on Debian install python3-venv (scripts/setup.sh does)"
    fi
    local stamp want
    stamp="$venv/.attend-$(printf '%s' "$requirements" | tr '/' '-')"
    want="$(sha256sum "$requirements" | cut -d' ' -f1) $* $("$venv/bin/python" -V 2>&1)"
    if [[ "$(cat "$stamp" 2>/dev/null || true)" == "$want" ]]; then
        log "$venv has $requirements"
        return 0
    fi
    log "installing $requirements${*:+ and $*} into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
        die "pip install -r $requirements failed: is PyPI reachable?"
    if (($#)); then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" ||
            die "pip install $* failed: is PyPI reachable?"
    fi
    printf '%s\n' "$want" >"$stamp"
}

# --- The demo server (scripts/demo.sh, scripts/measure-attendd.sh) -----------------------------

# start_demo_server BINARY DATABASE LISTEN LOG [ENV=VALUE...]
# Starts `attend-server serve --demo` in the background (its pid in $demo_server_pid) and waits
# until /healthz answers.
start_demo_server() {
    local server="$1" db="$2" listen="$3" server_log="$4"
    shift 4
    env "$@" ATTEND_DATABASE="$db" ATTEND_LISTEN="$listen" "$server" serve --demo >"$server_log" 2>&1 &
    demo_server_pid=$!
    local _
    for _ in $(seq 1 100); do
        curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    kill "$demo_server_pid" 2>/dev/null || true
    cat "$server_log" >&2
    die "attend-server did not answer http://$listen/healthz"
}

# The kiosk provisioning code the demo seed printed in LOG. The server prints it only when it
# seeds an empty database, so a kept database with a deleted kiosk has none to give.
demo_provisioning_code() {
    local code
    code="$(grep -m1 'kiosk provisioning code' "$1" | awk '{ print $NF }' || true)"
    [[ -n "$code" ]] || die "no kiosk provisioning code in $1: the server prints it only when it seeds an empty database (delete the database to start over)"
    printf '%s\n' "$code"
}
