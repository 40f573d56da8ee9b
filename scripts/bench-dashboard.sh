#!/usr/bin/env bash
# Dashboard speed at size: 100 000 users and 1 M events in a SQLite file (seeded once through
# the store and processed by the real engine runner, then kept in target/bench-dashboard/ for
# later runs), the release server on a free loopback port, every page fetched N times with a
# signed-in session; prints p50/p95 per page and fails when a p95 is above MAX_P95_MS.
# RESEED=1 starts from an empty database; USERS, EVENTS, ITERATIONS and MAX_P95_MS override
# the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p vigil-server -p vigil-tools >&2
BIN=$CARGO_TARGET_DIR/release/vigil-server
TOOLS=$CARGO_TARGET_DIR/release/vigil-tools
USERS=${USERS:-100000}
EVENTS=${EVENTS:-1000000}
DIR=$CARGO_TARGET_DIR/bench-dashboard
DB=$DIR/vigil-$USERS-$EVENTS.db
export VIGIL_ADMIN_TOKEN=bench-dashboard-admin
mkdir -p "$DIR"
if [ -n "${RESEED:-}" ] || [ ! -f "$DB.done" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.done"
  RUST_LOG=warn "$TOOLS" dashboard-bench seed --db "sqlite://$DB" --admin-token "$VIGIL_ADMIN_TOKEN" \
    --users "$USERS" --events "$EVENTS"
  touch "$DB.done"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$DIR/server.log
RUST_LOG=warn,vigil_server::pipeline=info "$BIN" serve --listen "127.0.0.1:$PORT" --db "sqlite://$DB" 2>"$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
# Measured in steady state: after the engine has rebuilt its state from the retained events
# (which a start does once, using a core for a few seconds).
for _ in $(seq 1200); do grep -q "engine state rebuilt" "$LOG" && break; sleep 0.1; done
grep "engine state rebuilt" "$LOG" | sed 's/\x1b\[[0-9;]*m//g' >&2
echo "== dashboard, $USERS users, $EVENTS events, SQLite ($(nproc) cores)"
"$TOOLS" dashboard-bench pages --url "http://127.0.0.1:$PORT" --admin-token "$VIGIL_ADMIN_TOKEN" \
  --iterations "${ITERATIONS:-50}" --max-p95-ms "${MAX_P95_MS:-200}"
