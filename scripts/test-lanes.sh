#!/usr/bin/env bash
# `make test`'s two lanes at once, on the machine's two cores: the server tiers on pytest-xdist
# (printed as they run) and, beside them, the browser suites one after another (they share the
# app's one .web build; printed when done, from test-artifacts/browser.log). Fails if either does.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
JOBS="${JOBS:-3}"
mkdir -p test-artifacts
browser_log=test-artifacts/browser.log
start=$SECONDS

(
  export TEST_LANES=2 TEST_LANE=1
  rc=0
  for suite in tests/e2e tests/e2e_clerk tests/e2e_scale; do
    echo "== $suite"
    $PY -m pytest "$suite" -q -p no:cacheprovider --durations=8 || rc=1
  done
  exit $rc
) >"$browser_log" 2>&1 &
browser=$!

echo "== server tiers (unit, api, integration, security, load) on $JOBS processes;" \
  "browser suites beside them, logged to $browser_log"
TEST_LANES=2 TEST_LANE=0 $PY -m pytest tests/unit tests/api tests/integration tests/security \
  tests/load -q -p no:cacheprovider --durations=15 -n "$JOBS"
server_rc=$?
echo "== server tiers done after $((SECONDS - start)) s; waiting for the browser suites"

wait $browser
browser_rc=$?
cat "$browser_log"
echo "== make test: $((SECONDS - start)) s; server tiers exit $server_rc, browser suites exit $browser_rc"
[ $server_rc -eq 0 ] && [ $browser_rc -eq 0 ]
