#!/usr/bin/env bash
# A real multi-service Temporal cluster on this machine, for scale-out work and its tests:
# Temporal server v$VERSION built once from the Go module proxy into .tools/temporal-$VERSION/
# (cached), a private PostgreSQL cluster, the schemas loaded by Temporal's sql tool, and the four
# services (frontend, history, matching, worker) as four processes on loopback addresses
# 127.0.0.1–.4. Namespace `default`, SQL visibility (no Elasticsearch).
#
#   scripts/cluster.sh up       build if needed, start everything, print TEMPORAL_ADDRESS (idempotent)
#   scripts/cluster.sh down     stop exactly what `up` started (pid files in the state folder)
#   scripts/cluster.sh status   what runs, one line each; exit 0 when the frontend answers
#   scripts/cluster.sh kill SERVICE    SIGKILL one service (history, matching, …) — for failure tests
#   scripts/cluster.sh start SERVICE   start one service again
#   scripts/cluster.sh restart-postgres
#
# Environment: SCIFLOW_CLUSTER_DIR (state, default .sciflow/cluster), SCIFLOW_CLUSTER_PORT (frontend
# gRPC port, default 57233; the other gRPC ports follow from it), SCIFLOW_CLUSTER_MEMBERSHIP_PORT
# (default 26933), SCIFLOW_CLUSTER_PG_PORT (default 55432).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VERSION=1.32.2
GO_TOOLCHAIN=go1.26.10
TOOLS="$ROOT/.tools/temporal-$VERSION"
STATE=$(realpath -m "${SCIFLOW_CLUSTER_DIR:-.sciflow/cluster}")
PORT=${SCIFLOW_CLUSTER_PORT:-57233}
PG_PORT=${SCIFLOW_CLUSTER_PG_PORT:-55432}
# Ringpop membership ports (stored as smallint in the database: below 32768).
MEMBERSHIP_PORT=${SCIFLOW_CLUSTER_MEMBERSHIP_PORT:-26933}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
SERVICES=(frontend history matching worker)
declare -A IP=([frontend]=127.0.0.1 [history]=127.0.0.2 [matching]=127.0.0.3 [worker]=127.0.0.4)
# gRPC and membership ports per service, offsets from the frontend port.
declare -A OFFSET=([frontend]=0 [history]=1 [matching]=2 [worker]=6)
ADDRESS="127.0.0.1:$PORT"

say() { printf 'cluster: %s\n' "$*" >&2; }
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

# PostgreSQL refuses to run as root: run its tools as the `postgres` user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The binaries are built once per machine (kept in $CACHE as well, so a fresh clone — CI's, say —
# copies them instead of building again).
CACHE="${SCIFLOW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sciflow}/temporal-$VERSION"

build() {
  [ -x "$TOOLS/server" ] && [ -x "$TOOLS/sql" ] && return 0
  mkdir -p "$TOOLS"
  if [ -x "$CACHE/server" ] && [ -x "$CACHE/sql" ]; then
    cp "$CACHE/server" "$CACHE/sql" "$TOOLS/"
    return 0
  fi
  command -v go >/dev/null || { say "go not found: install Go (the cluster's server is built from the Go module proxy)"; exit 2; }
  say "building Temporal server $VERSION and its sql tool into $TOOLS (once per machine; 5–25 min)"
  (cd /tmp && GOBIN="$TOOLS" GOTOOLCHAIN=$GO_TOOLCHAIN GOFLAGS=-trimpath go install "go.temporal.io/server/cmd/server@v$VERSION")
  (cd /tmp && GOBIN="$TOOLS" GOTOOLCHAIN=$GO_TOOLCHAIN GOFLAGS=-trimpath go install "go.temporal.io/server/cmd/tools/sql@v$VERSION")
  mkdir -p "$CACHE" && cp "$TOOLS/server" "$TOOLS/sql" "$CACHE/"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

postgres_up() {
  [ -n "$PG_BIN" ] || { say "PostgreSQL not found (apt-get install postgresql)"; exit 2; }
  mkdir -p "$STATE"
  if [ ! -f "$STATE/pgdata/PG_VERSION" ]; then
    install -d -m 700 "$STATE/pgdata"
    install -d -m 755 "$STATE/pgsock"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$STATE/pgdata" "$STATE/pgsock"; fi
    as_pg test -w "$STATE/pgdata" || { say "the postgres user cannot reach $STATE/pgdata (make its parent folders traversable)"; exit 2; }
    as_pg "$PG_BIN/initdb" -D "$STATE/pgdata" -U temporal --auth=trust -E UTF8 >"$STATE/initdb.log" 2>&1 ||
      { say "initdb failed; see $STATE/initdb.log"; exit 1; }
  fi
  if ! as_pg "$PG_BIN/pg_ctl" -D "$STATE/pgdata" status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$STATE/pgdata" -w -t 60 -l "$STATE/pgdata/postgres.log" \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$STATE/pgsock -c max_connections=200 -c fsync=on" start >/dev/null
  fi
}

postgres_down() {
  [ -f "$STATE/pgdata/PG_VERSION" ] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$STATE/pgdata" -m fast -w stop >/dev/null 2>&1 || true
}

sql_tool() { "$TOOLS/sql" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u temporal --pw temporal "$@"; }

schemas() {
  [ -f "$STATE/schemas-loaded" ] && return 0
  for db in temporal temporal_visibility; do
    sql_tool --db "$db" create-database >/dev/null 2>&1 || true
  done
  sql_tool --db temporal setup-schema -v 0.0 >/dev/null
  sql_tool --db temporal update-schema --schema-name postgresql/v12/temporal >/dev/null
  sql_tool --db temporal_visibility setup-schema -v 0.0 >/dev/null
  sql_tool --db temporal_visibility update-schema --schema-name postgresql/v12/visibility >/dev/null
  touch "$STATE/schemas-loaded"
}

write_config() {
  mkdir -p "$STATE/config"
  local services=""
  for s in "${SERVICES[@]}"; do
    local grpc=$((PORT + OFFSET[$s])) membership=$((MEMBERSHIP_PORT + OFFSET[$s]))
    services+="  $s:
    rpc:
      grpcPort: $grpc
      membershipPort: $membership
      bindOnIP: ${IP[$s]}
"
    [ "$s" = frontend ] && services+="      httpPort: $((PORT + 10))
"
  done
  cat >"$STATE/config/cluster.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      sql: { pluginName: postgres12, databaseName: temporal, connectAddr: "127.0.0.1:$PG_PORT", connectProtocol: tcp, user: temporal, password: temporal, maxConns: 20, maxIdleConns: 20, maxConnLifetime: 1h }
    visibility:
      sql: { pluginName: postgres12, databaseName: temporal_visibility, connectAddr: "127.0.0.1:$PG_PORT", connectProtocol: tcp, user: temporal, password: temporal, maxConns: 4, maxIdleConns: 4, maxConnLifetime: 1h }
global:
  membership:
    maxJoinDuration: 30s
services:
$services
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: { enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "$ADDRESS" }
dcRedirectionPolicy: { policy: noop }
dynamicConfigClient:
  filepath: "$STATE/config/dynamic.yaml"
  pollInterval: 10s
EOF
  cat >"$STATE/config/dynamic.yaml" <<EOF
# Shorter caches so a namespace registered a moment ago is usable at once.
system.forceSearchAttributesCacheRefreshOnRead: [{ value: true }]
frontend.enableUpdateWorkflowExecution: [{ value: true }]
EOF
}

start_service() {
  local s=$1
  pid_alive "$STATE/$s.pid" && return 0
  nohup "$TOOLS/server" --config-file "$STATE/config/cluster.yaml" --allow-no-auth start --service "$s" >>"$STATE/$s.log" 2>&1 &
  echo $! >"$STATE/$s.pid"
}

frontend_answers() { "$ROOT/.tools/venv/bin/temporal" operator cluster health --address "$ADDRESS" >/dev/null 2>&1; }

wait_for_frontend() {
  for _ in $(seq 1 240); do
    frontend_answers && return 0
    sleep 0.5
  done
  say "the frontend did not answer on $ADDRESS; see $STATE/frontend.log"
  exit 1
}

register_namespace() {
  local temporal="$ROOT/.tools/venv/bin/temporal"
  for _ in $(seq 1 120); do
    "$temporal" operator namespace describe -n default --address "$ADDRESS" >/dev/null 2>&1 && return 0
    "$temporal" operator namespace create -n default --retention 72h --address "$ADDRESS" >/dev/null 2>&1 || true
    sleep 1
  done
  say "could not register namespace default on $ADDRESS"
  exit 1
}

up() {
  build
  postgres_up
  schemas
  write_config
  # The frontend first: on a fresh database every service starting at once races on the cluster
  # metadata ("SaveClusterMetadata encountered version mismatch").
  start_service frontend
  wait_for_frontend
  for s in history matching worker; do start_service "$s"; done
  register_namespace
  say "up: frontend $ADDRESS, PostgreSQL 127.0.0.1:$PG_PORT, state $STATE"
  echo "TEMPORAL_ADDRESS=$ADDRESS"
}

stop_service() {
  local s=$1 signal=${2:-TERM}
  if pid_alive "$STATE/$s.pid"; then
    local pid; pid=$(cat "$STATE/$s.pid")
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/$s.pid"
}

down() {
  for s in worker matching history frontend; do stop_service "$s"; done
  postgres_down
  say "down"
}

status() {
  local ok=0
  for s in "${SERVICES[@]}"; do
    if pid_alive "$STATE/$s.pid"; then echo "$s: running (pid $(cat "$STATE/$s.pid"), ${IP[$s]}:$((PORT + OFFSET[$s])))"; else echo "$s: stopped"; ok=1; fi
  done
  if [ -f "$STATE/pgdata/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$STATE/pgdata" status >/dev/null 2>&1; then echo "postgres: running (127.0.0.1:$PG_PORT)"; else echo "postgres: stopped"; ok=1; fi
  if frontend_answers; then echo "TEMPORAL_ADDRESS=$ADDRESS"; else echo "frontend: not answering on $ADDRESS"; ok=1; fi
  return $ok
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status || exit 1 ;;
  kill) stop_service "${2:?service}" KILL ;;
  start) write_config; start_service "${2:?service}" ;;
  restart-postgres) postgres_down; postgres_up ;;
  *) echo "usage: scripts/cluster.sh up|down|status|kill SERVICE|start SERVICE|restart-postgres" >&2; exit 2 ;;
esac
