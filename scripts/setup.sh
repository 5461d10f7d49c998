#!/usr/bin/env bash
# Idempotent set-up of a build machine for Attend (made for a fresh Debian 12 "bookworm").
#
# Installs, only when missing:
#   - apt packages the build needs: build-essential pkg-config curl ca-certificates git python3
#     python3-venv (model tooling) libclang-dev (nokhwa V4L2 bindings) systemd (unit checks)
#     chromium chromium-driver (headless browser tests);
#   - a Rust toolchain at least as new as the workspace's `rust-version`: when `cargo` is not on
#     PATH, Debian's rustc-web/cargo-web (bookworm-security carries a current Rust);
#   - rustfmt and clippy: `rustup component add` when rustup manages the toolchain, otherwise
#     Debian's rustfmt-web/rust-web-clippy.
#
# Run it as root or as a user who may sudo; only apt commands are run as root. When everything is
# already present it touches neither apt nor the network, so CI re-runs are quick.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_cargo_on_path

APT_PACKAGES=(build-essential pkg-config curl ca-certificates git python3 python3-venv libclang-dev systemd chromium chromium-driver)

# The Rust version the workspace declares (root Cargo.toml, [workspace.package] rust-version).
required_rust="$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)"
required_rust="${required_rust:-1.95}"

have_apt=false
command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 && have_apt=true

# The version apt would install, or nothing when the package is unknown.
pkg_candidate() {
    local candidate
    candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }')"
    [[ -n "$candidate" && "$candidate" != "(none)" ]] && printf '%s\n' "$candidate"
    return 0
}

# version_at_least HAVE WANT: true when HAVE >= WANT (dotted versions).
version_at_least() {
    [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]
}

rustc_version() {
    rustc --version 2>/dev/null | awk '{ print $2 }' | sed 's/[-+].*//'
}

# --- 1. apt packages -------------------------------------------------------------------------
if "$have_apt"; then
    apt_ensure "${APT_PACKAGES[@]}"
    log "apt packages present: ${APT_PACKAGES[*]}"
else
    log "warning: apt-get not found (not Debian?); make sure these are installed: ${APT_PACKAGES[*]}"
fi

# --- 2. Rust toolchain -----------------------------------------------------------------------
install_debian_rust() {
    "$have_apt" || die "cargo not found and apt-get is unavailable: install Rust >= $required_rust (https://rustup.rs)"
    apt_update_once
    local pkg candidate
    for pkg in rustc-web cargo-web; do
        candidate="$(pkg_candidate "$pkg")"
        [[ -n "$candidate" ]] || die "Debian package $pkg is not available from your apt sources.
  Enable bookworm-security (deb http://deb.debian.org/debian-security bookworm-security main)
  and run this again, or install Rust >= $required_rust with rustup (https://rustup.rs)."
        version_at_least "${candidate%%+*}" "$required_rust" || die "Debian's $pkg is $candidate but the workspace needs Rust >= $required_rust.
  Make sure bookworm-security is in your apt sources (it carries the newer rustc-web), or install
  Rust with rustup (https://rustup.rs)."
    done
    log "installing Debian's Rust (rustc-web, cargo-web $(pkg_candidate cargo-web))"
    apt_install rustc-web cargo-web
}

if ! command -v cargo >/dev/null 2>&1 || ! command -v rustc >/dev/null 2>&1; then
    log "cargo not found on PATH"
    install_debian_rust
    hash -r
    command -v cargo >/dev/null 2>&1 || die "cargo is still not on PATH after installing cargo-web"
fi

have_rust="$(rustc_version)"
if ! version_at_least "$have_rust" "$required_rust"; then
    if "$have_apt" && apt_installed cargo-web; then
        log "Debian's Rust $have_rust is older than $required_rust: upgrading"
        install_debian_rust
        have_rust="$(rustc_version)"
        version_at_least "$have_rust" "$required_rust" || die "rustc is $have_rust after the upgrade; the workspace needs >= $required_rust"
    elif command -v rustup >/dev/null 2>&1; then
        die "rustc $have_rust is older than the workspace's rust-version $required_rust: run \`rustup update stable\`"
    else
        die "rustc $have_rust ($(command -v rustc)) is older than the workspace's rust-version $required_rust: install a newer Rust"
    fi
fi
log "rust toolchain: $(rustc --version) / $(cargo --version)"

# --- 3. rustfmt and clippy -------------------------------------------------------------------
tool_missing=()
cargo fmt --version >/dev/null 2>&1 || tool_missing+=(rustfmt)
cargo clippy --version >/dev/null 2>&1 || tool_missing+=(clippy)

if ((${#tool_missing[@]})); then
    log "missing cargo tools: ${tool_missing[*]}"
    if command -v rustup >/dev/null 2>&1; then
        log "rustup component add rustfmt clippy"
        rustup component add rustfmt clippy
    elif "$have_apt"; then
        apt_update_once
        # Debian's names for the tools that match rustc-web/cargo-web (first found wins); the
        # plain rustfmt/rust-clippy packages belong to bookworm's much older rustc.
        declare -A candidates=(
            [rustfmt]="rustfmt-web"
            [clippy]="rust-web-clippy rust-clippy-web"
        )
        to_install=()
        for tool in "${tool_missing[@]}"; do
            found=""
            for pkg in ${candidates[$tool]}; do
                if [[ -n "$(pkg_candidate "$pkg")" ]]; then
                    found="$pkg"
                    break
                fi
            done
            [[ -n "$found" ]] || die "no Debian package provides $tool for rustc-web (looked for: ${candidates[$tool]}).
  Try \`apt-cache search rust | grep -i -E 'clippy|rustfmt'\`, or install Rust with rustup (https://rustup.rs)."
            to_install+=("$found")
        done
        apt_install "${to_install[@]}"
    else
        die "cannot install ${tool_missing[*]}: neither rustup nor apt-get is available"
    fi
    cargo fmt --version >/dev/null 2>&1 || die "\`cargo fmt\` still does not work"
    cargo clippy --version >/dev/null 2>&1 || die "\`cargo clippy\` still does not work"
fi
log "cargo tools: $(cargo fmt --version 2>/dev/null) / $(cargo clippy --version 2>/dev/null)"

log "done"
