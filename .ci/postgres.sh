#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the tests and print the line to eval:
#
#   eval "$(bash .ci/postgres.sh)"     # -> export GQLMON_TEST_POSTGRES_URL=postgresql://...
#
# Installs Debian's postgresql when it is missing, initdb's a cluster under $TMPDIR (or /tmp), starts it on
# 127.0.0.1:${GQLMON_PG_PORT:-55432} as a non-root user and creates the database gqlmon_test. Idempotent: a
# server already answering on that port is reused. Only the export line goes to stdout; progress to stderr.
set -euo pipefail

port="${GQLMON_PG_PORT:-55432}"
db="gqlmon_test"
base="${TMPDIR:-/tmp}/gqlmon-pg-${port}"
data="$base/data"
log="$base/server.log"

say() { echo "postgres.sh: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi
bin="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"

# PostgreSQL refuses to run as root: use the postgres account then, else the current user.
if [ "$(id -u)" = 0 ]; then
  user=postgres
  as_user() { su -s /bin/bash "$user" -c "$(printf '%q ' "$@")"; }
else
  user="$(id -un)"
  as_user() { "$@"; }
fi

mkdir -p "$base"
[ "$(id -u)" = 0 ] && chown "$user" "$base"

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initdb $data"
    as_user "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
  fi
  say "starting on 127.0.0.1:$port (log: $log)"
  as_user "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-p $port -h 127.0.0.1 -k $base -c max_connections=200 -c fsync=off" start >/dev/null
fi

exists="$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$db'")"
if [ "$exists" != 1 ]; then
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
fi

echo "export GQLMON_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:${port}/${db}"
