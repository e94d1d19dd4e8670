/**
 * `pnpm bench`: what tracing costs the backend, measured so that a 5% change
 * shows. Every variant takes the same autocannon load on loopback, and the
 * variants alternate (A B C … then … C B A) over many short rounds, so slow
 * drift and other people's load spread over all of them. Each round gives
 * every variant's requests/s and the server's own CPU time per request
 * (/proc/PID/stat, read before the load and after the spans it caused were
 * exported); comparisons are paired within a round, and reported as the
 * median over rounds with the quartiles, the range and a 95% interval.
 *
 *   bare                 a Fastify hello-world (scripts/bare-fastify.js)
 *   off                  the backend, OTEL_SDK_DISABLED=true
 *   on                   the backend, 100% sampled (no headers: every request a new root), exporting to Zipkin
 *   on-otlp              the same, exporting OTLP/HTTP protobuf (OTEL_TRACES_EXPORTER=otlp)
 *   off, b3 unsampled    off, receiving a sidecar's B3 headers with `x-b3-sampled: 0`
 *   on, b3 unsampled     tracing on, receiving the same headers: nothing is recorded
 *   off JSON / on JSON   `GET /?format=json` on off and on
 *
 * Servers are pinned to CPU 0 and the load generator and Zipkin sinks to CPU 1
 * when `taskset` works. Instruction counts come from `perf stat` where the
 * machine has hardware counters; the output says when it has not. A
 * benchmark, not a test: it prints figures and which goals they meet, and
 * exits 0. Method and results: docs/benchmarks.md.
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runLoad } from './bench-load.ts';
import { countInstructions, type PerfCounter, probePerf } from './bench-perf.ts';
import {
  canPin,
  cpuSeconds,
  exportsSpans,
  freePort,
  pinSelf,
  spawnServer,
  startSink,
  stop,
  waitForPort,
  waitSeconds,
  type ZipkinSink,
} from './bench-processes.ts';
import { paired, type Summary, summarize, verdict } from './bench-stats.ts';
import { SERVERS, type ServerId, VARIANTS, type Variant } from './bench-variants.ts';

// --- options -------------------------------------------------------------------

const { values: flags } = parseArgs({
  allowNegative: true,
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    settle: { type: 'string' },
    connections: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    pin: { type: 'boolean', default: true },
    quick: { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  process.stdout.write(
    'usage: pnpm bench [--rounds 10] [--duration 4] [--warmup 2] [--settle 1.2] [--connections 32]\n' +
      '                  [--log-level info] [--no-pin] [--quick] [--source] [--json results.json]\n' +
      '  --rounds      rounds; each runs every variant once, alternating the order\n' +
      '  --duration    seconds of load per variant per round\n' +
      '  --warmup      seconds of unmeasured load per variant before round 1\n' +
      '  --settle      seconds after each run before the CPU reading (spans still being exported count)\n' +
      '  --no-pin      do not pin servers and load to different CPUs\n' +
      '  --quick       3 rounds of 2 s: a smoke run, too short to resolve 5%\n' +
      '  --source      run the backend from src/ (--conditions=source) instead of dist/\n',
  );
  process.exit(0);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    process.stderr.write(`invalid --${name}=${value}: expected a positive number\n`);
    process.exit(1);
  }
  return number;
}

const settings = {
  rounds: Math.round(positive('rounds', flags.rounds, flags.quick ? 3 : 10)),
  duration: positive('duration', flags.duration, flags.quick ? 2 : 4),
  warmup: positive('warmup', flags.warmup, flags.quick ? 1 : 2),
  settle: positive('settle', flags.settle, 1.2),
  connections: Math.round(positive('connections', flags.connections, 32)),
  logLevel: flags['log-level'],
  source: flags.source,
};

// --- running ---------------------------------------------------------------------

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function fmt(value: number | undefined, digits = 0): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

const cpuCount = availableParallelism();
const pinned = flags.pin && cpuCount >= 2 && canPin([0, 1]) && pinSelf(1);
const SERVER_CPU = pinned ? 0 : undefined;
const LOAD_CPU = pinned ? 1 : undefined;
const perf = probePerf();

interface RunningServer {
  readonly origin: string;
  readonly pid: number | undefined;
  readonly sink: ZipkinSink | undefined;
  readonly stop: () => Promise<void>;
  /** Requests answered so far (all runs, warm-up and checks included), for the span account. */
  answered: number;
}

async function startServer(id: ServerId): Promise<RunningServer> {
  const kind = SERVERS[id];
  const sink = exportsSpans(kind) ? await startSink(LOAD_CPU) : undefined;
  const port = await freePort();
  const child = spawnServer(kind, {
    port,
    logLevel: settings.logLevel,
    zipkinUrl: sink?.url,
    otlpUrl: sink?.otlpUrl,
    source: settings.source,
    cpu: SERVER_CPU,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 100_000) stderr += chunk;
  });
  try {
    await waitForPort(port, child);
  } catch (error) {
    await stop(child);
    throw new Error(`${id} server: ${(error as Error).message}\n${stderr.slice(-2000)}`);
  }
  return { origin: `http://127.0.0.1:${port}`, pid: child.pid, sink, stop: () => stop(child), answered: 0 };
}

/** Sends one request as the variant does and checks its `traceresponse`; returns a problem, or undefined. */
async function checkVariant(variant: Variant, server: RunningServer): Promise<string | undefined> {
  const response = await fetch(server.origin + variant.path, { headers: variant.headers ?? {} });
  await response.arrayBuffer();
  server.answered++;
  const traceresponse = response.headers.get('traceresponse');
  // The sampled bit of the flags; the random bit (0x02, Trace Context Level 2) may ride along.
  const sampled = (Number.parseInt(traceresponse?.split('-')[3] ?? '0', 16) & 0x01) === 0x01;
  const seen = traceresponse === null ? 'no traceresponse' : sampled ? 'sampled' : 'not sampled';
  if (response.status !== 200) return `${variant.name}: status ${response.status}`;
  if (seen !== variant.expect) return `${variant.name}: expected ${variant.expect}, got ${traceresponse}`;
  return undefined;
}

interface RunResult {
  readonly rps: number;
  readonly answered: number;
  readonly failures: number;
  /** Server CPU per answered request, µs (NaN without /proc). */
  readonly cpuUs: number;
  /** Server CPU seconds per second of load: near 1.0 means the server, not the load generator, was the limit. */
  readonly busy: number;
  /** Seconds the server waited for a CPU per second of load: other processes' share of its core. */
  readonly waited: number;
  /** Instructions per request (undefined without hardware counters). */
  readonly instructions: number | undefined;
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function measure(variant: Variant, server: RunningServer, duration: number): Promise<RunResult> {
  const counter: PerfCounter | undefined =
    perf.available && server.pid !== undefined ? countInstructions(server.pid) : undefined;
  const cpuBefore = cpuSeconds(server.pid);
  const waitBefore = waitSeconds(server.pid);
  const load = await runLoad({
    url: server.origin + variant.path,
    connections: settings.connections,
    duration,
    headers: variant.headers,
  });
  // Requests in flight at the end, and the batch export of the run's last spans, land in the settle time.
  await sleep(settings.settle);
  const cpuAfter = cpuSeconds(server.pid);
  const waitAfter = waitSeconds(server.pid);
  const instructions = await counter?.stop();
  server.answered += load.answered;
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : cpuAfter - cpuBefore;
  return {
    rps: load.answered / load.seconds,
    answered: load.answered,
    failures: load.failures,
    cpuUs: (cpu * 1e6) / load.answered,
    busy: cpu / load.seconds,
    waited: waitBefore === undefined || waitAfter === undefined ? Number.NaN : (waitAfter - waitBefore) / load.seconds,
    instructions: instructions === undefined ? undefined : instructions / load.answered,
  };
}

const machine = {
  cpus: cpuCount,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const runSeconds = settings.duration + settings.settle;
const estimate = Math.round(VARIANTS.length * (settings.warmup + runSeconds * settings.rounds) + 15);
const loadBefore = loadavg()[0] ?? Number.NaN;
log(
  `meshtrace bench: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
    `load average ${fmt(loadBefore, 2)}\n` +
    `${settings.rounds} rounds × ${VARIANTS.length} variants × ${settings.duration} s (+${settings.settle} s settle), ` +
    `${settings.connections} connections, ${settings.warmup} s warm-up per variant, LOG_LEVEL=${settings.logLevel}, ` +
    `backend from ${settings.source ? 'src' : 'dist'}; about ${Math.ceil(estimate / 60)} min\n` +
    (pinned
      ? 'pinned: servers on CPU 0, load generator and span sinks on CPU 1\n'
      : `not pinned (${flags.pin ? 'taskset unavailable or fewer than 2 CPUs' : '--no-pin'})\n`) +
    `instruction counts: ${perf.available ? 'perf stat' : `not available: ${perf.reason}`}`,
);

const servers = new Map<ServerId, RunningServer>();
for (const id of Object.keys(SERVERS) as ServerId[]) servers.set(id, await startServer(id));
const serverOf = (variant: Variant) => servers.get(variant.server) as RunningServer;

const problems: string[] = [];
for (const variant of VARIANTS) {
  const problem = await checkVariant(variant, serverOf(variant));
  if (problem) problems.push(problem);
}
for (const problem of problems) log(`  check failed: ${problem}`);

log(`warm-up: ${settings.warmup} s per variant`);
for (const variant of VARIANTS) {
  const server = serverOf(variant);
  server.answered += (
    await runLoad({
      url: server.origin + variant.path,
      connections: settings.connections,
      duration: settings.warmup,
      headers: variant.headers,
    })
  ).answered;
}

const results = new Map<string, RunResult[]>(VARIANTS.map((v) => [v.name, []]));
for (let round = 1; round <= settings.rounds; round++) {
  // A B C … then … C B A: drift over a round weighs on every variant alike.
  const order = round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse();
  const cells: string[] = [];
  for (const variant of order) {
    const result = await measure(variant, serverOf(variant), settings.duration);
    results.get(variant.name)?.push(result);
    if (result.failures > 0) problems.push(`round ${round} ${variant.name}: ${result.failures} errors or non-2xx`);
    cells.push(`${variant.name} ${fmt(result.rps)}/s ${fmt(result.cpuUs, 1)}µs`);
  }
  log(`round ${String(round).padStart(2)}: ${cells.join('  ')}`);
}

const spans: Array<{ server: ServerId; received: number; answered: number }> = [];
for (const [id, server] of servers) {
  // SIGTERM: the backend flushes its queued spans before it exits.
  await server.stop();
  if (server.sink) {
    spans.push({ server: id, received: await server.sink.count(), answered: server.answered });
    await server.sink.close();
  }
}
const loadAfter = loadavg()[0] ?? Number.NaN;

// --- report ----------------------------------------------------------------------

const pick = (name: string, field: (r: RunResult) => number | undefined) =>
  (results.get(name) ?? []).map((r) => field(r) ?? Number.NaN);

function range(s: Summary, digits: number): string {
  return `${fmt(s.min, digits)}–${fmt(s.max, digits)}`;
}

function interval(s: Summary, digits: number): string {
  return s.ci ? `${fmt(s.ci[0], digits)}–${fmt(s.ci[1], digits)}` : 'n/a (< 6 rounds)';
}

const variantRows = VARIANTS.map((variant) => {
  const rps = summarize(pick(variant.name, (r) => r.rps));
  const cpu = summarize(pick(variant.name, (r) => r.cpuUs));
  const busy = summarize(pick(variant.name, (r) => r.busy));
  const waited = summarize(pick(variant.name, (r) => r.waited));
  const instructions = summarize(pick(variant.name, (r) => r.instructions));
  return (
    `| ${variant.label} | ${fmt(rps.median)} | ${fmt(rps.q1)}–${fmt(rps.q3)} | ${fmt(cpu.median, 1)} | ` +
    `${fmt(cpu.q1, 1)}–${fmt(cpu.q3, 1)} | ${fmt(busy.median * 100)}% | ${fmt(waited.median * 100)}% | ` +
    `${perf.available ? fmt(instructions.median / 1000, 1) : 'n/a'} |`
  );
});

interface Comparison {
  readonly label: string;
  readonly a: string;
  readonly b: string;
}

/** Pairs a with b round by round: requests/s ratio a/b, CPU µs a−b, and the CPU ratio b/a. */
function compare({ a, b }: Comparison) {
  return {
    rpsRatio: summarize(
      paired(
        pick(a, (r) => r.rps),
        pick(b, (r) => r.rps),
        (x, y) => x / y,
      ),
    ),
    addedUs: summarize(
      paired(
        pick(a, (r) => r.cpuUs),
        pick(b, (r) => r.cpuUs),
        (x, y) => x - y,
      ),
    ),
    cpuRatio: summarize(
      paired(
        pick(a, (r) => r.cpuUs),
        pick(b, (r) => r.cpuUs),
        (x, y) => y / x,
      ),
    ),
  };
}

const COMPARISONS = {
  offBare: { label: 'tracing off / bare', a: 'off', b: 'bare' },
  onOff: { label: 'tracing on / off', a: 'on', b: 'off' },
  otlpZipkin: { label: 'tracing on, OTLP / Zipkin export', a: 'on-otlp', b: 'on' },
  unsampled: { label: 'on, b3 unsampled / off, same headers', a: 'on-unsampled', b: 'off-unsampled' },
  jsonOff: { label: 'JSON echo off / text off', a: 'off-json', b: 'off' },
  jsonOnBare: { label: 'JSON echo on / bare', a: 'on-json', b: 'bare' },
} satisfies Record<string, Comparison>;

const compared = Object.fromEntries(
  Object.entries(COMPARISONS).map(([key, comparison]) => [key, compare(comparison)]),
) as Record<keyof typeof COMPARISONS, ReturnType<typeof compare>>;

const comparisonRows = (Object.keys(COMPARISONS) as Array<keyof typeof COMPARISONS>).map((key) => {
  const { rpsRatio, addedUs, cpuRatio } = compared[key];
  return (
    `| ${COMPARISONS[key].label} | ${fmt(rpsRatio.median, 3)} | ${interval(rpsRatio, 3)} | ${range(rpsRatio, 3)} | ` +
    `${fmt(addedUs.median, 1)} | ${interval(addedUs, 1)} | ${fmt(cpuRatio.median, 3)} |`
  );
});

function goalRow(label: string, summary: Summary, goal: number, atLeast: boolean, digits: number, note = ''): string {
  const { verdict: outcome, straddles } = verdict(summary, goal, atLeast);
  const caveat = straddles ? ' (its 95% interval straddles the goal)' : '';
  return `| ${label} | ${fmt(summary.median, digits)} | ${interval(summary, digits)} | **${outcome}**${caveat}${note} |`;
}

const aim = verdict(compared.onOff.rpsRatio, 0.8, true).verdict;
const goalRows = [
  goalRow(
    'tracing on ≥ 0.70 × off, requests/s',
    compared.onOff.rpsRatio,
    0.7,
    true,
    3,
    `; aim 0.80: ${aim === 'met' ? 'met' : 'not yet'}`,
  ),
  goalRow('b3 unsampled request: ≤ 5 µs CPU more than off', compared.unsampled.addedUs, 5, false, 1),
  goalRow(
    'JSON echo with tracing on ≥ 0.60 × bare hello-world, requests/s',
    compared.jsonOnBare.rpsRatio,
    0.6,
    true,
    3,
  ),
];

/** Half the width of the on/off interval, relative to its median: the smallest change this run can resolve. */
const resolution = (() => {
  const { ci, median } = compared.onOff.rpsRatio;
  return ci ? ((ci[1] - ci[0]) / 2 / median) * 100 : Number.NaN;
})();
const cpuResolution = (() => {
  const { ci, median } = compared.onOff.cpuRatio;
  return ci ? ((ci[1] - ci[0]) / 2 / median) * 100 : Number.NaN;
})();

/** Above this share of run-queue wait, other load visibly distorts even CPU per request. */
const NOISY_WAIT = 0.1;
const waitedMedian = summarize(VARIANTS.flatMap((v) => pick(v.name, (r) => r.waited))).median;

const spanLines = spans.map(({ server, received, answered }) =>
  server === 'on-unsampled'
    ? `- ${server}: ${received} spans received for ${answered} requests answered (0 expected: nothing is sampled)`
    : `- ${server}: ${received} spans received for ${answered} requests answered (${fmt((100 * received) / answered, 2)}%)`,
);

process.stdout.write(
  [
    '',
    `Per variant, median over ${settings.rounds} rounds (IQR = quartiles):`,
    '',
    '| variant | req/s | req/s IQR | server CPU µs/req | CPU IQR | server busy | server waited | k instructions/req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...variantRows,
    '',
    'busy: server CPU seconds per second of load (near 100%: the server was the bottleneck).',
    'waited: time the server was ready to run but other processes held its CPU, per second of load (the noise).',
    '',
    'Paired within each round, then the median over rounds (CI: distribution-free 95% interval of the median):',
    '',
    '| comparison | req/s ratio | 95% CI | min–max | CPU µs/req added | 95% CI | CPU ratio (b/a) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...comparisonRows,
    '',
    '| goal | median | 95% CI | |',
    '|---|---:|---:|---|',
    ...goalRows,
    '',
    `Resolution: the on/off requests/s ratio is known to ±${fmt(resolution, 1)}% in this run, ` +
      `the on/off CPU ratio to ±${fmt(cpuResolution, 1)}% (half the 95% interval).`,
    ...(waitedMedian > NOISY_WAIT
      ? [
          `Noise: the servers waited for their CPU ${fmt(waitedMedian * 100)}% of the time (median over all runs): ` +
            'other processes shared their core, and CPU per request rises with that too (caches, fewer requests per ' +
            'event-loop turn). Compare within this run only, and rerun on a quieter machine to resolve 5%.',
        ]
      : []),
    `Instruction counts: ${perf.available ? 'from perf stat (column above)' : `not available: ${perf.reason}.`}`,
    `Pinning: ${pinned ? 'servers on CPU 0, load generator and sinks on CPU 1' : 'none'}. ` +
      `Load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(loadAfter, 2)} after.`,
    '',
    'Spans (requests in flight when a run stops are answered after it, so received can exceed answered by up to the connection count):',
    ...spanLines,
    ...(problems.length > 0 ? ['', 'Problems:', ...problems.map((p) => `- ${p}`)] : []),
    '',
  ].join('\n'),
);

if (flags.json) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    flags.json,
    `${JSON.stringify({ machine, settings, pinned, perf, results: Object.fromEntries(results), compared, spans }, null, 2)}\n`,
  );
}
