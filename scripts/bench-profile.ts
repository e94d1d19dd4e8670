/**
 * `pnpm bench:profile`: a V8 CPU profile of the backend under the bench's
 * load, summarised by scripts/cpuprofile-top.ts, to see where the microseconds
 * of a variant go. Proportions in a profile hold up on a noisy machine far
 * better than requests/s do.
 *
 *   --variant on          tracing on, 100% sampled, exporting to a Zipkin sink (default)
 *   --variant unsampled   tracing on, every request arriving with b3 `x-b3-sampled: 0`
 *   --variant off         OTEL_SDK_DISABLED=true
 *
 * The server runs from dist/ with `--cpu-prof`, pinned to CPU 0 (load on CPU 1)
 * when taskset works; it takes --warmup s and then --duration s of load, and
 * the .cpuprofile is written to --dir (default: a temporary directory).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID } from '../packages/tracing/src/constants.ts';
import { runLoad } from './bench-load.ts';
import { canPin, freePort, pinSelf, ROOT, spawnServer, startSink, stop, waitForPort } from './bench-processes.ts';

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
const variant = flags.variant;
if (variant !== 'on' && variant !== 'unsampled' && variant !== 'off') {
  process.stderr.write(`invalid --variant=${variant}: expected on, unsampled or off\n`);
  process.exit(1);
}

/** As scripts/bench.ts sends them for its unsampled variant. */
const UNSAMPLED_B3 = {
  [X_B3_TRACE_ID]: '463ac35c9f6413ad48485a3953bb6124',
  [X_B3_SPAN_ID]: 'a2fb4a1d1a96d312',
  [X_B3_SAMPLED]: '0',
};

const pinned = canPin([0, 1]) && pinSelf(1);
const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'meshtrace-profile-'));
const sink = variant === 'off' ? undefined : await startSink(pinned ? 1 : undefined);
const port = await freePort();
const child = spawnServer(variant === 'off' ? 'backend-off' : 'backend-on', {
  port,
  logLevel: 'info',
  zipkinUrl: sink?.url,
  cpu: pinned ? 0 : undefined,
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
try {
  await waitForPort(port, child);
  const load = (duration: number) =>
    runLoad({
      url: `http://127.0.0.1:${port}/`,
      connections: Number(flags.connections),
      duration,
      headers: variant === 'unsampled' ? UNSAMPLED_B3 : undefined,
    });
  const warm = await load(Number(flags.warmup));
  const { answered, seconds } = await load(Number(flags.duration));
  // The profile covers start-up and warm-up too: divide its times by all requests for µs per request.
  process.stdout.write(
    `profiled ${variant}: ${warm.answered + answered} requests in all (${answered} in ${seconds.toFixed(1)} s ` +
      `after ${warm.answered} in the warm-up), pinned: ${pinned}\n`,
  );
} finally {
  // The profile is written when the process exits; SIGTERM makes the backend shut down in order and exit.
  await stop(child);
  await sink?.close();
}

const profile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (!profile) throw new Error(`no .cpuprofile in ${dir}`);
const pattern = 'Span|span|extract|inject|context|propagat|sanit|Attribute|traceLogFields|mixin|random|generate';
spawnSync(process.execPath, [`${ROOT}scripts/cpuprofile-top.ts`, join(dir, profile), String(flags.top), pattern], {
  stdio: 'inherit',
});
