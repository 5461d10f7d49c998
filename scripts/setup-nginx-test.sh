#!/usr/bin/env bash
# Installs nginx from Debian for the test of two server instances behind a load balancer
# (e2e/tests/e2e/instances.rs); does nothing when it is already there. The test runs its own
# nginx on loopback ports with a configuration in a temporary directory (`nginx -p DIR -c
# FILE`), never the system's: a service apt may have started is left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ! -x /usr/sbin/nginx ]]; then
    command -v apt-get >/dev/null 2>&1 || die "nginx is missing and apt-get is unavailable: install nginx"
    apt_ensure nginx
fi
/usr/sbin/nginx -v 2>&1 | grep -q 'nginx/' || die "/usr/sbin/nginx does not run"
log "$(/usr/sbin/nginx -v 2>&1)"
