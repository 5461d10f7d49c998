#!/usr/bin/env bash
# Installs PostgreSQL 15 from Debian (postgresql-15) for the tests that run on it; does nothing
# when it is already there. The tests start their own throwaway clusters in temporary
# directories (attend_testkit::postgres), never the system's: the server package's own cluster,
# if apt made one, is left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin=/usr/lib/postgresql/15/bin
if [[ ! -x "$bin/initdb" || ! -x "$bin/pg_ctl" || ! -x "$bin/psql" ]]; then
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL 15 is missing and apt-get is unavailable: install postgresql-15"
    apt_ensure postgresql-15
fi
"$bin/initdb" --version | grep -q ' 15\.' || die "$bin/initdb is not PostgreSQL 15: $("$bin/initdb" --version)"
getent passwd postgres >/dev/null || die "no postgres user (Debian's postgresql-15 makes it): the tests run initdb as that user when run as root"
log "PostgreSQL $("$bin/initdb" --version | awk '{ print $3 }') present"
