#!/usr/bin/env bash
# Server benchmarks: ingest throughput and ack latency, and decision propagation to long
# polls, against SQLite and (when VIGIL_TEST_PG_URL is set) PostgreSQL. Everything on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p vigil-server -p vigil-tools >&2
BIN=$CARGO_TARGET_DIR/release/vigil-server
TOOLS=$CARGO_TARGET_DIR/release/vigil-tools
EVENTS=${EVENTS:-500000}
POLLERS=${POLLERS:-1000}
export VIGIL_ADMIN_TOKEN=bench-admin
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run() {
  local label=$1 db=$2
  # Earlier benchmarks' dirty pages would otherwise be written back during this one.
  sync
  local p; p=$(port)
  local token; token=$("$BIN" app create "bench$RANDOM" --db "$db" | tail -1)
  local app; app=$("$BIN" app list --db "$db" | tail -1 | cut -f1)
  RUST_LOG=warn "$BIN" serve --listen 127.0.0.1:$p --db "$db" --config "$WORK/cfg.toml" &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$p/readyz >/dev/null && break; sleep 0.1; done
  echo "== $label"
  "$TOOLS" loadgen ingest --url http://127.0.0.1:$p --token "$token" --events "$EVENTS" --batch 1000 --concurrency "${CONCURRENCY:-16}"
  "$TOOLS" loadgen poll --url http://127.0.0.1:$p --token "$token" --admin-token "$VIGIL_ADMIN_TOKEN" --app "$app" --pollers "$POLLERS" --decisions 20
}

printf '[server]\nsqlite_synchronous = "%s"\n' "${SQLITE_SYNC:-full}" > "$WORK/cfg.toml"
run "SQLite (synchronous=${SQLITE_SYNC:-full})" "sqlite://$WORK/bench.db"
if [ -n "${VIGIL_TEST_PG_URL:-}" ]; then
  run "PostgreSQL" "$VIGIL_TEST_PG_URL"
fi
