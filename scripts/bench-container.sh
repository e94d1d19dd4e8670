#!/usr/bin/env bash
# Memory under load inside the Kubernetes limits (k8s/: 256 MiB, half a CPU):
# the backend image under `docker run --memory 256m --cpus 0.5`, 60 s of load
# (autocannon, 32 connections), once with a collector that answers and once
# with one that accepts connections and never answers. Prints the container's
# memory (cgroup usage, as `docker stats` shows it) every 5 s, the peak, and
# whether the kernel killed it. A benchmark, not a test. docs/benchmarks.md.
#
#   docker build --target backend -t meshtrace/backend:bench .
#   scripts/bench-container.sh [image] [seconds]
# DOCKER may name the docker command (default: docker).
set -euo pipefail

image="${1:-meshtrace/backend:bench}"
seconds="${2:-60}"
docker_cmd=(${DOCKER:-docker})
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The containers reach the collectors on the host through the default bridge's gateway.
gateway="$("${docker_cmd[@]}" network inspect bridge -f '{{(index .IPAM.Config 0).Gateway}}')"

# Two collectors on the host: one answers 202 to every upload, one never answers.
node --input-type=module -e "
import { createServer } from 'node:http';
import { createServer as tcp } from 'node:net';
let spans = 0;
createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(spans));
  let body = '';
  req.setEncoding('utf8').on('data', (chunk) => (body += chunk));
  req.on('end', () => { spans += body.split('\"traceId\"').length - 1; res.writeHead(202).end(); });
}).listen(19411, '$gateway');
tcp(() => {}).listen(19412, '$gateway');
" &
collectors=$!
trap 'kill $collectors 2>/dev/null || true' EXIT

run() {
  local label="$1" endpoint="$2" name="meshtrace-mem-$$-$3"
  "${docker_cmd[@]}" run -d --rm --name "$name" --memory 256m --cpus 0.5 -p 127.0.0.1::5678 \
    -e OTEL_EXPORTER_ZIPKIN_ENDPOINT="$endpoint" -e LOG_LEVEL=info "$image" >/dev/null
  local port
  port="$("${docker_cmd[@]}" port "$name" 5678/tcp | head -1 | sed 's/.*://')"
  until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.2; done
  echo "$label: idle $("${docker_cmd[@]}" stats --no-stream --format '{{.MemUsage}}' "$name")"
  "$root/node_modules/.bin/autocannon" -c 32 -d "$seconds" "http://127.0.0.1:$port/" >/tmp/meshtrace-mem-load.txt 2>&1 &
  local load=$! peak=0 started=$SECONDS
  while kill -0 "$load" 2>/dev/null; do
    sleep 5
    local t=$((SECONDS - started))
    local usage mib
    usage="$("${docker_cmd[@]}" stats --no-stream --format '{{.MemUsage}}' "$name" 2>/dev/null || echo gone)"
    echo "$label: ${t}s $usage"
    mib="$(echo "$usage" | sed -n 's/^\([0-9.]*\)MiB.*/\1/p')"
    [ -n "$mib" ] && peak="$(echo "$peak $mib" | awk '{print ($2 > $1) ? $2 : $1}')"
  done
  local requests
  requests="$(grep -o '[0-9.]*k\? requests in' /tmp/meshtrace-mem-load.txt | head -1)"
  local oom
  oom="$("${docker_cmd[@]}" inspect -f '{{.State.OOMKilled}}' "$name" 2>/dev/null || echo 'container gone')"
  echo "$label: peak ${peak} MiB of 256, ${requests:-? requests in} ${seconds}s, OOM killed: $oom"
  "${docker_cmd[@]}" stop -t 10 "$name" >/dev/null 2>&1 || true
}

run "healthy collector" "http://$gateway:19411/api/v2/spans" healthy
echo "healthy collector: $(curl -fsS "http://$gateway:19411/") spans received"
run "hung collector" "http://$gateway:19412/api/v2/spans" hung
