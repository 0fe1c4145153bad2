#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL and Redis on loopback for the test suite.
#   .ci/services.sh start DIR   -> prints the DATABASE_URL and REDIS_URL lines to source
#   .ci/services.sh stop DIR
# PG_PORT and REDIS_PORT choose the ports (default: free ones). PG_FSYNC=on makes PostgreSQL
# flush to disk as a production server does (default off: a throwaway server for tests);
# PG_SHARED_BUFFERS sizes its cache (default 128MB).
# Installs Debian's postgresql and redis-server first when they are missing.
set -euo pipefail
action=${1:?start or stop}
dir=${2:?state directory}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Fixed ports when asked for; otherwise free ones, so a second pair can run beside the first.
pg_port=${PG_PORT:-$(free_port)}
redis_port=${REDIS_PORT:-$(free_port)}

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
  local bin; bin=$(pg_bin)
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=${PG_FSYNC:-off} -c shared_buffers=${PG_SHARED_BUFFERS:-128MB} -c max_connections=200" start >/dev/null
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/appointments"
  echo "export REDIS_URL=redis://127.0.0.1:$redis_port/0"
}

stop() {
  local bin; bin=$(pg_bin)
  [ -f "$dir/pg/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null || true
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
}

"$action"
