#!/usr/bin/env bash
# Starts the generation worker, waits for it, then the Reflex app (UI + API on one port).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-3000}"
export IMAGEGEN_WORKER_PORT="${IMAGEGEN_WORKER_PORT:-8001}"
export IMAGEGEN_WORKER_URL="${IMAGEGEN_WORKER_URL:-http://127.0.0.1:${IMAGEGEN_WORKER_PORT}}"
export IMAGEGEN_APP_URL="${IMAGEGEN_APP_URL:-http://127.0.0.1:${PORT}}"
# IMAGEGEN_PUBLIC_URL stays unset unless given: share links then follow the address the
# browser used (a phone on the LAN gets http://<this machine>:PORT links).

health="http://127.0.0.1:${IMAGEGEN_WORKER_PORT}/healthz"
# Another program on the worker port would receive every job: refuse, and say so.
if curl -s -o /dev/null --max-time 2 "$health" 2>/dev/null || \
   (exec 3<>"/dev/tcp/127.0.0.1/${IMAGEGEN_WORKER_PORT}") 2>/dev/null; then
  echo "Port ${IMAGEGEN_WORKER_PORT} is already in use by another program, so the worker cannot" \
    "start there. Stop that program, or choose another port: IMAGEGEN_WORKER_PORT=8011 make run" >&2
  exit 1
fi
# The worker echoes this label in /healthz: the answer must come from the worker started here.
export IMAGEGEN_WORKER_INSTANCE="run-$$-${RANDOM}${RANDOM}"
.venv/bin/python -m imagegen.worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
ready=""
for _ in $(seq 1 150); do
  if curl -fsS --max-time 2 "$health" 2>/dev/null | grep -q "\"instance\":\"${IMAGEGEN_WORKER_INSTANCE}\""; then
    ready=1
    break
  fi
  kill -0 $worker 2>/dev/null || { echo "the worker exited; see its log above" >&2; exit 1; }
  sleep 0.2
done
[ -n "$ready" ] || { echo "the worker did not answer on port ${IMAGEGEN_WORKER_PORT} within 30 s" >&2; exit 1; }
echo "worker ready on ${IMAGEGEN_WORKER_URL}; starting the app on http://localhost:${PORT}"
.venv/bin/reflex run --env prod --single-port --frontend-port "$PORT" --backend-port "$PORT"
