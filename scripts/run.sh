#!/usr/bin/env bash
# Starts the generation worker, waits for it, then the Reflex app (UI + API on one port).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-3000}"
export IMAGEGEN_WORKER_PORT="${IMAGEGEN_WORKER_PORT:-8001}"
export IMAGEGEN_WORKER_URL="${IMAGEGEN_WORKER_URL:-http://127.0.0.1:${IMAGEGEN_WORKER_PORT}}"
export IMAGEGEN_APP_URL="${IMAGEGEN_APP_URL:-http://127.0.0.1:${PORT}}"
export IMAGEGEN_PUBLIC_URL="${IMAGEGEN_PUBLIC_URL:-http://localhost:${PORT}}"

.venv/bin/python -m imagegen.worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:${IMAGEGEN_WORKER_PORT}/healthz" >/dev/null 2>&1; then break; fi
  kill -0 $worker 2>/dev/null || { echo "the worker exited; see its log above" >&2; exit 1; }
  sleep 0.2
done
echo "worker ready on ${IMAGEGEN_WORKER_URL}; starting the app on http://localhost:${PORT}"
.venv/bin/reflex run --env prod --single-port --frontend-port "$PORT" --backend-port "$PORT"
