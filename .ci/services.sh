#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL and Redis on loopback for the test suite.
#   .ci/services.sh start DIR   -> prints the DATABASE_URL and REDIS_URL lines to source
#   .ci/services.sh stop DIR
#   .ci/services.sh stop-redis|start-redis|stop-pg|start-pg DIR   -> one server, same port and data
# PG_PORT and REDIS_PORT choose the ports (default: free ones, kept in DIR/ports for a restart). PG_FSYNC=on makes PostgreSQL
# flush to disk as a production server does (default off: a throwaway server for tests);
# PG_SHARED_BUFFERS sizes its cache (default 128MB).
# Redis keeps its queue in an append-only file (fsync once a second) in DIR, as compose's
# redis does: a restarted Redis still holds the messages it had acknowledged.
# Installs Debian's postgresql and redis-server first when they are missing.
set -euo pipefail
action=${1:?start, stop, stop-redis, start-redis, stop-pg or start-pg}
dir=${2:?state directory}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Fixed ports when asked for; otherwise the ones this DIR had (a restart), or free ones, so a
# second pair can run beside the first.
if [ -f "$dir/ports" ]; then source "$dir/ports"; fi
pg_port=${PG_PORT:-${pg_port:-$(free_port)}}
redis_port=${REDIS_PORT:-${redis_port:-$(free_port)}}

install_packages() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: run it as the 'postgres' user Debian creates.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  install_packages
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  printf 'pg_port=%s\nredis_port=%s\n' "$pg_port" "$redis_port" >"$dir/ports"
  start_pg
  start_redis
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/appointments"
  echo "export REDIS_URL=redis://127.0.0.1:$redis_port/0"
}

start_pg() {
  local bin; bin=$(pg_bin)
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=${PG_FSYNC:-off} -c shared_buffers=${PG_SHARED_BUFFERS:-128MB} -c max_connections=200" start >/dev/null
}

# Production's Redis (docker-compose.yml): append-only file, fsync every second; no RDB snapshots.
start_redis() {
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' \
    --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis did not answer on port $redis_port" >&2
  return 1
}

stop_pg() {
  local bin; bin=$(pg_bin)
  if [ -f "$dir/pg/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null || true; fi
}

# SIGTERM: Redis flushes the append-only file and exits; wait until it has.
stop_redis() {
  [ -f "$dir/redis.pid" ] || return 0
  local pid; pid=$(cat "$dir/redis.pid")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

stop() {
  stop_pg
  stop_redis
}

case "$action" in
  start | stop) "$action" ;;
  start-pg | stop-pg | start-redis | stop-redis) "${action/-/_}" ;;
  *) echo "unknown action: $action" >&2; exit 2 ;;
esac
