#!/usr/bin/env bash
# `make test`'s two lanes at once, on the machine's two cores. Lane one: the server tiers on
# pytest-xdist (printed as they run), then the scaled production app (`reflex run --env prod`
# in .web-prod). Lane two, beside it (printed when done, from test-artifacts/browser.log): the
# main browser suite on the production build, as `make run` serves it (a dev build's unbundled
# modules and development React cost chromium twice the CPU), on one test process (two only
# made both lanes slower), then Clerk mode in .web. Fails if any suite does.
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
  echo "== tests/e2e"
  $PY -m pytest tests/e2e -q -p no:cacheprovider --durations=8 || rc=1
  echo "== tests/e2e_clerk"
  $PY -m pytest tests/e2e_clerk -q -p no:cacheprovider --durations=8 || rc=1
  exit $rc
) >"$browser_log" 2>&1 &
browser=$!

echo "== server tiers (unit, api, integration, security, load) on $JOBS processes;" \
  "browser suites beside them, logged to $browser_log"
TEST_LANES=2 TEST_LANE=0 $PY -m pytest tests/unit tests/api tests/integration tests/security \
  tests/load -q -p no:cacheprovider --durations=15 -n "$JOBS" --dist loadgroup
server_rc=$?
echo "== server tiers done after $((SECONDS - start)) s"
# Then, on the core the server tiers leave free while the main browser suite runs on:
# `reflex run --env prod`, built in a directory of its own.
echo "== tests/e2e_scale"
TEST_LANES=2 TEST_LANE=0 REFLEX_WEB_WORKDIR=.web-prod $PY -m pytest tests/e2e_scale -q \
  -p no:cacheprovider --durations=8
scale_rc=$?
echo "== lane one done after $((SECONDS - start)) s; waiting for the browser suites"

wait $browser
browser_rc=$?
cat "$browser_log"
echo "== make test: $((SECONDS - start)) s; server tiers exit $server_rc, scale exit $scale_rc," \
  "browser suites exit $browser_rc"
[ $server_rc -eq 0 ] && [ $scale_rc -eq 0 ] && [ $browser_rc -eq 0 ]
