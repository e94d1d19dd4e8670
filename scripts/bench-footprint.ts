/**
 * `pnpm bench:footprint`: what a server costs before any load, and whether the
 * frontend holds a fixed rate. A benchmark, not a test: it prints figures and
 * which goals they meet, and exits 0.
 *
 *   spawn → ready   from spawn to the first 200 from /readyz (the bare server answers any path)
 *   CPU to ready    the server's own CPU time (all threads) up to ready: unlike
 *                   the wall-clock figure, it barely grows when other processes
 *                   take the CPUs
 *   idle RSS        VmRSS a moment (--idle-ms) after ready
 *
 * for a plain Fastify hello-world, the backend with OTEL_SDK_DISABLED=true and
 * the backend with tracing on (exporting to a local Zipkin endpoint), from
 * dist/, --runs times each, alternating the order. Then the frontend's
 * fixed-rate loop against a backend: ticks sent per second against the rate.
 * Servers are not pinned here: start-up uses several threads, as it would in
 * a container.
 *
 * --compile-cache runs every server, the plain one too, with Node's compile
 * cache (NODE_COMPILE_CACHE) in a fresh folder, filled by one start of each
 * before the measured runs: start-up as the images run it, whose cache is
 * filled when the image is built (Dockerfile).
 *
 * --profile DIR measures nothing: it starts each server --runs times under
 * `--cpu-prof` (100 µs sampling) and writes DIR/KIND.N.cpuprofile with a
 * sidecar DIR/KIND.N.json holding the window from spawn to ready, so that
 * `./pnpmw bench:diff DIR/backend-off DIR/bare` says, package by
 * package, where the start-up milliseconds between two servers go.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startService } from '../packages/harness/src/index.ts';
import {
  cpuSeconds,
  freePort,
  rssMiB,
  type ServerKind,
  spawnServer,
  startSink,
  stop,
  waitForPort,
} from './bench-processes.ts';
import { paired, summarize } from './bench-stats.ts';
import { monotonicMicros, writeProfileRun } from './profile-run.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'idle-ms': { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    'rate-seconds': { type: 'string', default: '10' },
    'compile-cache': { type: 'boolean', default: false },
    profile: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(
    'usage: pnpm bench:footprint [--runs 10] [--idle-ms 2000] [--rate 200] [--rate-seconds 10] [--compile-cache] [--profile DIR]\n',
  );
  process.exit(0);
}
const settings = {
  runs: Number(flags.runs),
  idleMs: Number(flags['idle-ms']),
  rate: Number(flags.rate),
  rateSeconds: Number(flags['rate-seconds']),
};
for (const [name, value] of Object.entries(settings)) {
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`invalid --${name}: expected a positive number\n`);
    process.exit(1);
  }
}

/** The compile cache's folder with --compile-cache, removed at the end. */
const compileCache = flags['compile-cache'] ? mkdtempSync(join(tmpdir(), 'meshtrace-compile-cache-')) : undefined;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The status of GET url, or 0 when nothing answers (node:http: nothing to load on first use). */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).once('error', () => resolve(0));
  });
}

const KINDS: ReadonlyArray<{ kind: ServerKind; label: string }> = [
  { kind: 'bare', label: 'plain Fastify hello-world' },
  { kind: 'backend-off', label: 'backend, OTEL_SDK_DISABLED=true' },
  { kind: 'backend-on', label: 'backend, tracing on' },
];

/** With --profile: where this start's CPU profile goes (DIR/NAME.cpuprofile, and NAME.json beside it). */
interface ProfileTarget {
  readonly dir: string;
  readonly name: string;
}

async function startOnce(
  kind: ServerKind,
  zipkinUrl: string,
  profile?: ProfileTarget,
): Promise<{ readyMs: number; cpuMs: number; rssMiB: number }> {
  const port = await freePort();
  const nodeArgs = profile
    ? [
        '--cpu-prof',
        '--cpu-prof-interval=100',
        `--cpu-prof-dir=${profile.dir}`,
        `--cpu-prof-name=${profile.name}.cpuprofile`,
      ]
    : [];
  const from = monotonicMicros();
  const started = performance.now();
  const child = spawnServer(kind, { port, logLevel: 'info', zipkinUrl, compileCache, nodeArgs });
  try {
    await waitForPort(port, child);
    while ((await status(`http://127.0.0.1:${port}/readyz`)) !== 200) await sleep(2);
    const readyMs = performance.now() - started;
    if (profile)
      writeProfileRun(join(profile.dir, `${profile.name}.cpuprofile`), {
        count: 1,
        unit: 'start',
        window: { from, to: monotonicMicros() },
      });
    const cpuMs = (cpuSeconds(child.pid) ?? Number.NaN) * 1000;
    await sleep(settings.idleMs);
    return { readyMs, cpuMs, rssMiB: rssMiB(child.pid) };
  } finally {
    await stop(child);
  }
}

async function fixedRate(zipkinUrl: string) {
  const env = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkinUrl };
  const backend = await startService('backend', { from: 'dist', env });
  const frontend = await startService('frontend', {
    from: 'dist',
    env: { ...env, TARGET_URL: `${backend.url}/`, LOOP_RATE: String(settings.rate), LOOP_CONCURRENCY: '64' },
  });
  try {
    const loop = async () => (await (await fetch(`${frontend.url}/loop`)).json()) as { sent: number; skipped: number };
    await sleep(1000);
    const first = await loop();
    const started = performance.now();
    await sleep(settings.rateSeconds * 1000);
    const last = await loop();
    const seconds = (performance.now() - started) / 1000;
    return { achieved: (last.sent - first.sent) / seconds, skipped: last.skipped - first.skipped };
  } finally {
    await Promise.all([frontend.stop(), backend.stop()]);
  }
}

const sink = await startSink();
if (flags.profile) {
  const dir = flags.profile;
  mkdirSync(dir, { recursive: true });
  for (let run = 1; run <= settings.runs; run++)
    for (const { kind } of run % 2 === 1 ? KINDS : [...KINDS].reverse())
      await startOnce(kind, sink.url, { dir, name: `${kind}.${run}` });
  await sink.close();
  process.stdout.write(
    `${settings.runs} profiled starts of each server in ${dir}. Where two differ, by package:\n` +
      `  pnpm bench:diff ${join(dir, 'backend-off')} ${join(dir, 'bare')}\n`,
  );
  process.exit(0);
}
const loadBefore = loadavg()[0] ?? Number.NaN;
process.stderr.write(
  `meshtrace bench:footprint: ${settings.runs} runs × ${KINDS.length} servers, from dist/, ` +
    `RSS read ${settings.idleMs} ms after ready; load average ${fmt(loadBefore, 2)}` +
    `${compileCache ? '; with a compile cache (NODE_COMPILE_CACHE) filled by one start of each first' : ''}\n`,
);
const ready = new Map<ServerKind, number[]>(KINDS.map(({ kind }) => [kind, []]));
const cpu = new Map<ServerKind, number[]>(KINDS.map(({ kind }) => [kind, []]));
const rss = new Map<ServerKind, number[]>(KINDS.map(({ kind }) => [kind, []]));
try {
  // The cache is written when a process exits: one start of each fills it, as the image build does.
  if (compileCache) for (const { kind } of KINDS) await startOnce(kind, sink.url);
  for (let run = 1; run <= settings.runs; run++) {
    // Alternate the order so that drift weighs on every server alike.
    const order = run % 2 === 1 ? KINDS : [...KINDS].reverse();
    const cells: string[] = [];
    for (const { kind } of order) {
      const result = await startOnce(kind, sink.url);
      ready.get(kind)?.push(result.readyMs);
      cpu.get(kind)?.push(result.cpuMs);
      rss.get(kind)?.push(result.rssMiB);
      cells.push(`${kind} ${fmt(result.readyMs)} ms (CPU ${fmt(result.cpuMs)}) ${fmt(result.rssMiB, 1)} MiB`);
    }
    process.stderr.write(`run ${String(run).padStart(2)}: ${cells.join('  ')}\n`);
  }
  const rate = await fixedRate(sink.url);
  const loadAfter = loadavg()[0] ?? Number.NaN;

  const rows = KINDS.map(({ kind, label }) => {
    const r = summarize(ready.get(kind) ?? []);
    const c = summarize(cpu.get(kind) ?? []);
    const m = summarize(rss.get(kind) ?? []);
    return (
      `| ${label} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${fmt(c.median)} | ${fmt(c.min)}–${fmt(c.max)} | ` +
      `${fmt(m.median, 1)} | ${fmt(m.min, 1)}–${fmt(m.max, 1)} |`
    );
  });
  const disabledOverPlain = summarize(paired(ready.get('backend-off') ?? [], ready.get('bare') ?? [], (a, b) => a - b));
  const disabledCpu = summarize(paired(cpu.get('backend-off') ?? [], cpu.get('bare') ?? [], (a, b) => a - b));
  const on = summarize(ready.get('backend-on') ?? []);
  const onCpu = summarize(cpu.get('backend-on') ?? []);
  const onRss = summarize(rss.get('backend-on') ?? []);
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const error = Math.abs(rate.achieved - settings.rate) / settings.rate;
  process.stdout.write(
    [
      '',
      '| server | spawn → ready, median ms | range | CPU to ready, median ms | range | idle RSS, median MiB | range |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      '| goal | measured | |',
      '|---|---:|---|',
      `| OTEL_SDK_DISABLED=true within 50 ms of plain Fastify (paired per run, median) | +${fmt(disabledOverPlain.median)} ms (range ${fmt(disabledOverPlain.min)}–${fmt(disabledOverPlain.max)}) | ${met(disabledOverPlain.median <= 50)} |`,
      `| (the same in CPU time to ready) | +${fmt(disabledCpu.median)} ms | ${met(disabledCpu.median <= 50)} |`,
      `| tracing on: spawn → ready ≤ 450 ms median | ${fmt(on.median)} ms | ${met(on.median <= 450)} |`,
      `| (the same in CPU time to ready) | ${fmt(onCpu.median)} ms | ${met(onCpu.median <= 450)} |`,
      `| tracing on: idle RSS ≤ 95 MiB | ${fmt(onRss.median, 1)} MiB | ${met(onRss.median <= 95)} |`,
      `| frontend fixed rate within 2% of LOOP_RATE=${settings.rate} over ${settings.rateSeconds} s | ${fmt(rate.achieved, 1)}/s (${fmt(error * 100, 2)}% off, ${rate.skipped} ticks skipped) | ${met(error <= 0.02)} |`,
      '',
      `Load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(loadAfter, 2)} after.`,
      '',
    ].join('\n'),
  );
} finally {
  await sink.close();
  if (compileCache) rmSync(compileCache, { recursive: true, force: true });
}
