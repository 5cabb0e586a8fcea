#!/usr/bin/env bash
# `make test`'s two lanes at once, on the machine's two cores: the server tiers on pytest-xdist
# (printed as they run), then the production-build browser suite in a .web of its own; beside
# them, the dev-build browser suites one after another (they share .web; printed when done, from
# test-artifacts/browser.log). Fails if any does. The split keeps the lanes about equally long.
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
  for suite in tests/e2e tests/e2e_clerk; do
    echo "== $suite"
    $PY -m pytest "$suite" -q -p no:cacheprovider --durations=8 || rc=1
  done
  exit $rc
) >"$browser_log" 2>&1 &
browser=$!

echo "== server tiers (unit, api, integration, security, load) on $JOBS processes;" \
  "browser suites beside them, logged to $browser_log"
TEST_LANES=2 TEST_LANE=0 $PY -m pytest tests/unit tests/api tests/integration tests/security \
  tests/load -q -p no:cacheprovider --durations=15 -n "$JOBS" --dist loadgroup
server_rc=$?
echo "== server tiers done after $((SECONDS - start)) s; the production build's browser suite"
# Its own web directory: `reflex run --env prod` builds there while the lane beside compiles .web.
REFLEX_WEB_WORKDIR=.web-prod TEST_LANES=2 TEST_LANE=0 $PY -m pytest tests/e2e_scale -q \
  -p no:cacheprovider --durations=8
scale_rc=$?
echo "== production suite done after $((SECONDS - start)) s; waiting for the browser suites"

wait $browser
browser_rc=$?
cat "$browser_log"
echo "== make test: $((SECONDS - start)) s; server tiers exit $server_rc," \
  "production suite exit $scale_rc, browser suites exit $browser_rc"
[ $server_rc -eq 0 ] && [ $scale_rc -eq 0 ] && [ $browser_rc -eq 0 ]
