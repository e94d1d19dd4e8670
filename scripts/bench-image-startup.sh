#!/usr/bin/env bash
# `./pnpmw bench:image [IMAGE]`: start-up of the backend image as it ships (its compile cache, its
# environment, its user), measured inside a container by scripts/bench/image-startup.mjs: spawn ->
# the first 200 from /readyz, tracing on and OTEL_SDK_DISABLED=true alternating, STARTS times each
# (default 10), and what importing @opentelemetry/sdk-node alone costs there. Build the image first
# (`pnpm images`, or `docker build --target backend -t IMAGE .`). DOCKER names the docker command.
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-meshtrace/backend:0.1.0}
read -r -a docker <<<"${DOCKER:-docker}"
"${docker[@]}" run --rm --network none --entrypoint node -e "STARTS=${STARTS:-10}" \
  -v "$PWD/scripts/bench/image-startup.mjs:/bench/image-startup.mjs:ro" "$image" /bench/image-startup.mjs
