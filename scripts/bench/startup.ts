/**
 * The start-up part of `./pnpmw bench`: what a server costs before any load.
 *
 *   spawn → ready   from spawn to the first 200 from /readyz (the bare server answers any path)
 *   CPU to ready    the server's own CPU time (all threads) up to ready: unlike
 *                   the wall-clock figure, it barely grows when other processes
 *                   take the CPUs
 *   idle RSS        VmRSS 2 s after ready
 *
 * for a plain Fastify hello-world, the backend with OTEL_SDK_DISABLED=true and
 * the backend with tracing on (exporting to a sink), from dist/, alternating
 * the order run by run. Servers are not pinned: start-up uses several threads,
 * as it would in a container. With a compile cache (NODE_COMPILE_CACHE in a
 * fresh folder, filled by one start of each first), start-up is measured as
 * the images run it: their cache is filled when the image is built.
 * `./pnpmw bench:profile --startup` takes the same starts under the profiler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpanSink, startServer } from './processes.ts';
import { monotonicMicros, type ProfileRun } from './profile-parts.ts';
import { cpuSeconds, rssMiB } from './readings.ts';
import { paired, summarize } from './stats.ts';
import type { ServerKind } from './variants.ts';

export const STARTUP_SERVERS: ReadonlyArray<{ readonly kind: ServerKind; readonly label: string }> = [
  { kind: 'bare', label: 'plain Fastify hello-world' },
  { kind: 'backend-off', label: 'backend, OTEL_SDK_DISABLED=true' },
  { kind: 'backend-on', label: 'backend, tracing on' },
];

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

export interface StartOptions {
  readonly sink: SpanSink;
  readonly compileCache?: string | undefined;
  /** Milliseconds to wait after ready before reading RSS (0: do not wait). */
  readonly idleMs: number;
  /** Node options for the server, such as --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

export interface Start {
  readonly readyMs: number;
  readonly cpuMs: number;
  readonly rssMiB: number;
  /** spawn to ready on the monotonic clock, for a profile's window. */
  readonly run: ProfileRun;
}

/**
 * Starts one server from dist/, waits until it is ready, reads its figures and
 * stops it. The clock starts before the spawn's free-port lookup (well under a millisecond).
 */
export async function startOnce(kind: ServerKind, options: StartOptions): Promise<Start> {
  const from = monotonicMicros();
  const started = performance.now();
  const server = await startServer(kind, options);
  try {
    while ((await status(`${server.origin}/readyz`)) !== 200) await sleep(2);
    const readyMs = performance.now() - started;
    const run: ProfileRun = { count: 1, unit: 'start', window: { from, to: monotonicMicros() } };
    const cpuMs = (cpuSeconds(server.pid) ?? Number.NaN) * 1000;
    if (options.idleMs > 0) await sleep(options.idleMs);
    return { readyMs, cpuMs, rssMiB: rssMiB(server.pid), run };
  } finally {
    await server.stop();
  }
}

/** Runs `each` for every item, `runs` times, in the order A B C then C B A: drift weighs on each alike. */
export async function alternate<T>(
  runs: number,
  items: readonly T[],
  each: (item: T, run: number) => Promise<void>,
): Promise<void> {
  for (let run = 1; run <= runs; run++)
    for (const item of run % 2 === 1 ? items : [...items].reverse()) await each(item, run);
}

/** How long after ready the idle memory is read: what start-up allocated and kept, not what it is still collecting. */
const IDLE_MS = 2000;

export interface StartupSettings {
  readonly runs: number;
  readonly compileCache: boolean;
}

export interface StartupResult {
  readonly report: string;
  readonly starts: Record<string, Array<Omit<Start, 'run'>>>;
}

/** Measures every server's start-up `runs` times, and reports medians, ranges and the goals. */
export async function measureStartup(
  settings: StartupSettings,
  sink: SpanSink,
  log: (line: string) => void,
): Promise<StartupResult> {
  const compileCache = settings.compileCache ? mkdtempSync(join(tmpdir(), 'meshtrace-compile-cache-')) : undefined;
  const options = { sink, compileCache, idleMs: IDLE_MS };
  const starts = new Map<ServerKind, Start[]>(STARTUP_SERVERS.map(({ kind }) => [kind, []]));
  const kinds = STARTUP_SERVERS.map(({ kind }) => kind);
  try {
    // Node writes the cache when a process exits: one start of each fills it, as the image build does.
    if (compileCache) for (const kind of kinds) await startOnce(kind, options);
    await alternate(settings.runs, kinds, async (kind, run) => {
      const start = await startOnce(kind, options);
      starts.get(kind)?.push(start);
      log(
        `start ${String(run).padStart(2)}: ${kind} ${fmt(start.readyMs)} ms (CPU ${fmt(start.cpuMs)}) ${fmt(start.rssMiB, 1)} MiB`,
      );
    });
  } finally {
    if (compileCache) rmSync(compileCache, { recursive: true, force: true });
  }

  const of = (kind: ServerKind, field: 'readyMs' | 'cpuMs' | 'rssMiB') => (starts.get(kind) ?? []).map((s) => s[field]);
  /** `median | min–max` of one figure, for one server. */
  const cells = (kind: ServerKind, field: 'readyMs' | 'cpuMs' | 'rssMiB', digits: number) => {
    const { median, min, max } = summarize(of(kind, field));
    return `${fmt(median, digits)} | ${fmt(min, digits)}–${fmt(max, digits)}`;
  };
  const rows = STARTUP_SERVERS.map(
    ({ kind, label }) =>
      `| ${label} | ${cells(kind, 'readyMs', 0)} | ${cells(kind, 'cpuMs', 0)} | ${cells(kind, 'rssMiB', 1)} |`,
  );
  const overPlain = (field: 'readyMs' | 'cpuMs') =>
    summarize(paired(of('backend-off', field), of('bare', field), (a, b) => a - b));
  const disabled = overPlain('readyMs');
  const disabledCpu = overPlain('cpuMs');
  const on = summarize(of('backend-on', 'readyMs'));
  const onCpu = summarize(of('backend-on', 'cpuMs'));
  const onRss = summarize(of('backend-on', 'rssMiB'));
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const report = [
    `Start-up, ${settings.runs} starts of each server from dist/, RSS read ${IDLE_MS} ms after ready` +
      `${compileCache ? ', with a compile cache filled by one start of each first (as the images start)' : ''}:`,
    '',
    '| server | spawn → ready, median ms | range | CPU to ready, median ms | range | idle RSS, median MiB | range |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '| goal | measured | |',
    '|---|---:|---|',
    `| OTEL_SDK_DISABLED=true within 50 ms of plain Fastify (paired per run, median) | +${fmt(disabled.median)} ms (range ${fmt(disabled.min)}–${fmt(disabled.max)}) | ${met(disabled.median <= 50)} |`,
    `| (the same in CPU time to ready) | +${fmt(disabledCpu.median)} ms | ${met(disabledCpu.median <= 50)} |`,
    `| tracing on: spawn → ready ≤ 450 ms median | ${fmt(on.median)} ms | ${met(on.median <= 450)} |`,
    `| (the same in CPU time to ready) | ${fmt(onCpu.median)} ms | ${met(onCpu.median <= 450)} |`,
    `| tracing on: idle RSS ≤ 95 MiB | ${fmt(onRss.median, 1)} MiB | ${met(onRss.median <= 95)} |`,
  ].join('\n');
  const json = Object.fromEntries(
    [...starts].map(([kind, list]) => [kind, list.map(({ readyMs, cpuMs, rssMiB }) => ({ readyMs, cpuMs, rssMiB }))]),
  );
  return { report, starts: json };
}
