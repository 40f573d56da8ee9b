#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for the server's tests and prints its URL on stdout:
#   export VIGIL_TEST_PG_URL=$(scripts/pg-test-env.sh)
# Installs PostgreSQL with apt when it is missing. The cluster lives in a temporary directory,
# runs as the `postgres` user (PostgreSQL refuses to run as root), listens on 127.0.0.1 on a
# free port, and trusts local connections. Stop it with: pg_ctl -D <dir> stop (printed on stderr).
set -euo pipefail

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

if ! BIN=$(find_bin); then
  echo "installing PostgreSQL with apt..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN=$(find_bin)
fi

RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
  RUN_AS=(su postgres -s /bin/bash -c)
fi

run() {
  if [ ${#RUN_AS[@]} -gt 0 ]; then "${RUN_AS[@]}" "$*"; else bash -c "$*"; fi
}

DIR=$(mktemp -d /tmp/vigil-pg.XXXXXX)
[ ${#RUN_AS[@]} -gt 0 ] && chown postgres "$DIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

run "$BIN/initdb -D $DIR/data -U vigil --auth=trust -E UTF8 >/dev/null"
run "$BIN/pg_ctl -D $DIR/data -l $DIR/log -w -o '-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300 -c fsync=on' start >/dev/null"
run "$BIN/createdb -h 127.0.0.1 -p $PORT -U vigil vigil"

echo "PostgreSQL running in $DIR; stop it with: $BIN/pg_ctl -D $DIR/data stop (as user $([ ${#RUN_AS[@]} -gt 0 ] && echo postgres || id -un))" >&2
echo "postgres://vigil@127.0.0.1:$PORT/vigil"
