#!/usr/bin/env bash
# A fresh install runs: a new virtualenv with requirements.txt alone (no dev tools that could
# bring in a missing runtime dependency), then a real Celery worker and beat on Redis and
# PostgreSQL in production mode (DEBUG=0). Passes once the worker answers `celery inspect ping`,
# beat has sent a dispatch tick and the worker has run it; both are then stopped by pid.
#   .ci/runtime_smoke.sh            (PYTHON picks the interpreter, default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/runtime-smoke.XXXXXX)
services=$(mktemp -d /tmp/runtime-smoke-services.XXXXXX)  # its own folder: PostgreSQL runs as 'postgres'
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  .ci/services.sh stop "$services" >/dev/null 2>&1 || true
  rm -rf "$work" "$services"
}
trap cleanup EXIT
fail() {
  echo "runtime smoke test failed: $*" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; tail -n 30 "$log" >&2; done
  exit 1
}

echo "fresh virtualenv from requirements.txt alone"
"${PYTHON:-python3}" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt \
  2>"$work/pip.log" || fail "pip install -r requirements.txt"
"$work/venv/bin/python" -m pip check

services_env=$(.ci/services.sh start "$services") || fail "PostgreSQL and Redis did not start"
eval "$services_env"
server=${DATABASE_URL%/*}
"$work/venv/bin/python" -c "import psycopg, sys; psycopg.connect(sys.argv[1], autocommit=True).execute('CREATE DATABASE appointments')" "$server/postgres"

export DJANGO_SETTINGS_MODULE=config.settings.base DEBUG=0 ALLOWED_HOSTS=localhost
export SECRET_KEY="$("$work/venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(64))')"
export DATABASE_URL CELERY_BROKER_URL="$REDIS_URL" NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS=2
celery=("$work/venv/bin/celery" -A config)

"$work/venv/bin/python" manage.py migrate --noinput -v0
"${celery[@]}" worker --loglevel INFO --concurrency 2 --hostname smoke@%h >"$work/worker.log" 2>&1 &
pids+=($!)
"${celery[@]}" beat --loglevel INFO --schedule "$work/beat-schedule" >"$work/beat.log" 2>&1 &
pids+=($!)

pong=""
for _ in $(seq 60); do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a process exited (pid $pid)"; done
  if [ -z "$pong" ] && "${celery[@]}" inspect ping --destination "smoke@$(hostname)" --timeout 2 >/dev/null 2>&1; then
    pong=yes
    echo "worker answers celery inspect ping"
  fi
  if [ -n "$pong" ] && grep -q "Sending due task notifications-dispatch" "$work/beat.log" \
    && grep -q "notifications.dispatch_tick\[.*\] succeeded" "$work/worker.log"; then
    echo "beat sent a dispatch tick and the worker ran it: runtime requirements are complete"
    exit 0
  fi
  sleep 1
done
fail "no pong or no dispatch tick within a minute"
