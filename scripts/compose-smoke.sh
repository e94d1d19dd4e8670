#!/usr/bin/env bash
# `./pnpmw compose:smoke`: the Compose demo, end to end, on a real Docker engine.
#   1. builds both images and starts Jaeger, backend-2, backend and frontend, waiting until
#      every service is healthy (`docker compose up -d --build --wait`);
#   2. asks Jaeger's query API, with this repo's `verify` command, for the frontend's traces
#      until one is joined across frontend -> backend -> backend-2 (bounded: SMOKE_TRIES rounds);
#   3. tears everything down, whatever happened, and exits 0 only if a joined trace was seen.
# It runs as its own Compose project, so it never stops a demo you have running (but it needs
# the same host ports: 16686, 5678, 8080). CI runs it (.github/workflows/images.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

project=${SMOKE_PROJECT:-meshtrace-smoke}
tries=${SMOKE_TRIES:-12}
compose=(docker compose -p "$project" -f docker-compose.yml)

say() { printf 'compose:smoke: %s\n' "$*" >&2; }

teardown() {
  local status=$?
  if [ "$status" -ne 0 ]; then "${compose[@]}" ps >&2 || true; "${compose[@]}" logs --tail 40 >&2 || true; fi
  say "tearing down"
  "${compose[@]}" down --volumes --remove-orphans >&2 || true
  exit "$status"
}
trap teardown EXIT

say "building and starting (waiting for every health check)"
"${compose[@]}" up -d --build --wait --wait-timeout 300

# The frontend starts a trace every 5 s, and spans leave each service in batches every second:
# a few rounds, each a fresh question to Jaeger, not a fixed sleep before one.
for round in $(seq 1 "$tries"); do
  if node --conditions=source packages/trace-tools/src/verify-cli.ts \
    --jaeger http://localhost:16686 --expect frontend,backend,backend-2 --since 2m --limit 5; then
    say "a joined trace across frontend, backend and backend-2 (round $round)"
    exit 0
  fi
  say "no joined trace yet (round $round of $tries)"
  sleep 5
done
say "no joined trace after $tries rounds"
exit 1
