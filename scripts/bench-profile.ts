/**
 * `pnpm bench:profile`: a V8 CPU profile of one `pnpm bench` variant (the
 * same server and request, scripts/bench-variants.ts) under the bench's load,
 * summarised by scripts/cpuprofile-top.ts, to see where its microseconds go.
 * Proportions in a profile hold up on a noisy machine far better than
 * requests/s do.
 *
 *   --variant on            tracing on, 100% sampled, exporting to a Zipkin sink (default)
 *   --variant on-unsampled  tracing on, every request arriving with b3 `x-b3-sampled: 0` (alias: unsampled)
 *   --variant off           OTEL_SDK_DISABLED=true; off-unsampled sends it the same b3 headers
 *   …                       and bare, off-json, on-json, as in the bench
 *
 * The server runs from dist/ with `--cpu-prof`, pinned to CPU 0 (load on CPU 1)
 * when taskset works; it takes --warmup s and then --duration s of load. It
 * writes DIR/VARIANT.cpuprofile and DIR/VARIANT.json: the measured load's
 * window on the monotonic clock (the profile's own) and the requests answered
 * in it, so that scripts/cpuprofile-diff.ts can compare two variants per
 * request without start-up or warm-up. DIR is --dir, or a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad } from './bench-load.ts';
import {
  canPin,
  exportsSpans,
  freePort,
  pinSelf,
  ROOT,
  spawnServer,
  startSink,
  stop,
  waitForPort,
} from './bench-processes.ts';
import { SERVERS, VARIANTS } from './bench-variants.ts';
import { monotonicMicros, writeProfileRun } from './profile-run.ts';

const { values: flags } = parseArgs({
  options: {
    variant: { type: 'string', default: 'on' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    top: { type: 'string', default: '40' },
    dir: { type: 'string' },
  },
});
const name = flags.variant === 'unsampled' ? 'on-unsampled' : flags.variant;
const variant = VARIANTS.find((candidate) => candidate.name === name);
if (!variant) {
  process.stderr.write(`invalid --variant=${flags.variant}: expected ${VARIANTS.map((v) => v.name).join(', ')}\n`);
  process.exit(1);
}
const kind = SERVERS[variant.server];

const pinned = canPin([0, 1]) && pinSelf(1);
const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'meshtrace-profile-'));
mkdirSync(dir, { recursive: true });
const profile = join(dir, `${variant.name}.cpuprofile`);
const sink = exportsSpans(kind) ? await startSink(pinned ? 1 : undefined) : undefined;
const port = await freePort();
const child = spawnServer(kind, {
  port,
  logLevel: 'info',
  zipkinUrl: sink?.url,
  otlpUrl: sink?.otlpUrl,
  cpu: pinned ? 0 : undefined,
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${variant.name}.cpuprofile`],
});
try {
  await waitForPort(port, child);
  const load = (duration: number) =>
    runLoad({
      url: `http://127.0.0.1:${port}${variant.path}`,
      connections: Number(flags.connections),
      duration,
      headers: variant.headers,
    });
  const warm = await load(Number(flags.warmup));
  const from = monotonicMicros();
  const { answered, seconds } = await load(Number(flags.duration));
  writeProfileRun(profile, { count: answered, unit: 'request', window: { from, to: monotonicMicros() } });
  process.stdout.write(
    `profiled ${variant.name} (${variant.label}): ${answered} requests in ${seconds.toFixed(1)} s after ` +
      `${warm.answered} in the warm-up, pinned: ${pinned}\n`,
  );
} finally {
  // The profile is written when the process exits; SIGTERM makes the backend shut down in order and exit.
  await stop(child);
  await sink?.close();
}

process.stdout.write(
  `written: ${profile}\nto compare two variants profiled into one --dir: pnpm bench:diff DIR/A.cpuprofile DIR/B.cpuprofile\n`,
);
const pattern = 'Span|span|extract|inject|context|propagat|sanit|Attribute|traceLogFields|mixin|random|generate';
spawnSync(process.execPath, [`${ROOT}scripts/cpuprofile-top.ts`, profile, String(flags.top), pattern], {
  stdio: 'inherit',
});
