/**
 * The throughput part of `./pnpmw bench`: what tracing costs the backend per
 * request, measured so that a 5% change shows. Every variant (variants.ts)
 * takes the same autocannon load on loopback, and the variants alternate
 * (A B C … then … C B A) over many short rounds, so slow drift and other
 * people's load spread over all of them. Each round gives every variant's
 * requests/s and the server's own CPU time per request (read before the load
 * and after the spans it caused were exported); comparisons are paired within
 * a round, and reported as the median over rounds with the quartiles, the
 * range and a 95% interval.
 */
import { runLoad, WARMUP_SECONDS } from './load.ts';
import { type RunningServer, startServer } from './processes.ts';
import { cpuSeconds, waitSeconds } from './readings.ts';
import { paired, type Summary, summarize, verdict } from './stats.ts';
import { SERVERS, type ServerId, type Variant } from './variants.ts';

/**
 * Seconds after each run before the CPU reading: requests still in flight are
 * answered, and the batch processor's 1 s timer exports the run's last spans,
 * so export is counted in the run that caused it.
 */
export const SETTLE_SECONDS = 1.2;

export interface ThroughputSettings {
  readonly rounds: number;
  /** Seconds of load per variant per round. */
  readonly duration: number;
  /** The servers' LOG_LEVEL. */
  readonly logLevel: string;
  /** Servers on one CPU, the load generator and sinks on the other. */
  readonly pinned: boolean;
  readonly variants: readonly Variant[];
}

const fmt = (value: number | undefined, digits = 0) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Requests each server answered (all runs, warm-up and checks included), for the span account. */
type Answered = Map<RunningServer, number>;

/** Sends one request as the variant does and checks its `traceresponse`; returns a problem, or undefined. */
async function checkVariant(variant: Variant, server: RunningServer, answered: Answered): Promise<string | undefined> {
  const response = await fetch(server.origin + variant.path, { headers: variant.headers ?? {} });
  await response.arrayBuffer();
  answered.set(server, (answered.get(server) ?? 0) + 1);
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
}

async function measure(
  variant: Variant,
  server: RunningServer,
  seconds: number,
  answered: Answered,
): Promise<RunResult> {
  const cpuBefore = cpuSeconds(server.pid);
  const waitBefore = waitSeconds(server.pid);
  const load = await runLoad(variant, server.origin, seconds);
  await sleep(SETTLE_SECONDS);
  const cpuAfter = cpuSeconds(server.pid);
  const waitAfter = waitSeconds(server.pid);
  answered.set(server, (answered.get(server) ?? 0) + load.answered);
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : cpuAfter - cpuBefore;
  return {
    rps: load.answered / load.seconds,
    answered: load.answered,
    failures: load.failures,
    cpuUs: (cpu * 1e6) / load.answered,
    busy: cpu / load.seconds,
    waited: waitBefore === undefined || waitAfter === undefined ? Number.NaN : (waitAfter - waitBefore) / load.seconds,
  };
}

// --- what is compared ------------------------------------------------------------------

interface Comparison {
  readonly label: string;
  readonly a: string;
  readonly b: string;
}

const COMPARISONS = {
  offBare: { label: 'tracing off / bare', a: 'off', b: 'bare' },
  onOff: { label: 'tracing on / off', a: 'on', b: 'off' },
  otlpZipkin: { label: 'tracing on, OTLP / Zipkin export', a: 'on-otlp', b: 'on' },
  unsampled: { label: 'on, b3 unsampled / off, same headers', a: 'on-unsampled', b: 'off-unsampled' },
  mix: { label: 'on, 1% sampled mix / off, same requests', a: 'on-mix', b: 'off-mix' },
  jsonOff: { label: 'JSON echo off / text off', a: 'off-json', b: 'off' },
  jsonOnBare: { label: 'JSON echo on / bare', a: 'on-json', b: 'bare' },
} satisfies Record<string, Comparison>;

type ComparisonId = keyof typeof COMPARISONS;

/** Each goal is judged on the median of one paired comparison: the guide's, and issues 11 and 21's. */
const GOALS: ReadonlyArray<{
  readonly label: string;
  readonly comparison: ComparisonId;
  readonly figure: 'rpsRatio' | 'addedUs';
  readonly goal: number;
  readonly atLeast: boolean;
}> = [
  { label: 'tracing on ≥ 0.80 × off, requests/s', comparison: 'onOff', figure: 'rpsRatio', goal: 0.8, atLeast: true },
  { label: '(on the way: ≥ 0.70 × off)', comparison: 'onOff', figure: 'rpsRatio', goal: 0.7, atLeast: true },
  {
    label: 'b3 unsampled request: ≤ 5 µs CPU more than off',
    comparison: 'unsampled',
    figure: 'addedUs',
    goal: 5,
    atLeast: false,
  },
  {
    label: '1% sampled mix (Istio default): on ≥ 0.90 × off, requests/s',
    comparison: 'mix',
    figure: 'rpsRatio',
    goal: 0.9,
    atLeast: true,
  },
  {
    label: 'JSON echo with tracing on ≥ 0.60 × bare hello-world, requests/s',
    comparison: 'jsonOnBare',
    figure: 'rpsRatio',
    goal: 0.6,
    atLeast: true,
  },
];

/** Above this share of run-queue wait, other load visibly distorts even CPU per request. */
const NOISY_WAIT = 0.1;

export interface ThroughputResult {
  readonly report: string;
  readonly json: Record<string, unknown>;
}

/** Runs every variant `rounds` times, alternating, and reports per variant, per comparison and per goal. */
export async function measureThroughput(
  settings: ThroughputSettings,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const { variants } = settings;
  const servers = new Map<ServerId, RunningServer>();
  for (const id of new Set(variants.map((v) => v.server)))
    servers.set(id, await startServer(SERVERS[id], { logLevel: settings.logLevel, pinned: settings.pinned }));
  const serverOf = (variant: Variant) => servers.get(variant.server) as RunningServer;
  const answered: Answered = new Map();

  const problems: string[] = [];
  for (const variant of variants) {
    const problem = await checkVariant(variant, serverOf(variant), answered);
    if (problem) problems.push(problem);
  }
  for (const problem of problems) log(`  check failed: ${problem}`);

  log(`warm-up: ${WARMUP_SECONDS} s per variant`);
  for (const variant of variants) await measure(variant, serverOf(variant), WARMUP_SECONDS, answered);

  const results = new Map<string, RunResult[]>(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    // A B C … then … C B A: drift over a round weighs on every variant alike.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    const cells: string[] = [];
    for (const variant of order) {
      const result = await measure(variant, serverOf(variant), settings.duration, answered);
      results.get(variant.name)?.push(result);
      if (result.failures > 0) problems.push(`round ${round} ${variant.name}: ${result.failures} errors or non-2xx`);
      cells.push(`${variant.name} ${fmt(result.rps)}/s ${fmt(result.cpuUs, 1)}µs`);
    }
    log(`round ${String(round).padStart(2)}: ${cells.join('  ')}`);
  }

  const spans: Array<{ server: ServerId; received: number; answered: number }> = [];
  for (const [id, server] of servers) {
    // SIGTERM: the backend flushes its queued spans before it exits, and then its sink is asked.
    const received = await server.stop();
    if (received !== undefined) spans.push({ server: id, received, answered: answered.get(server) ?? 0 });
  }

  // --- report ------------------------------------------------------------------------

  const pick = (name: string, field: (r: RunResult) => number) => (results.get(name) ?? []).map(field);
  const interval = (s: Summary, digits: number) =>
    s.ci ? `${fmt(s.ci[0], digits)}–${fmt(s.ci[1], digits)}` : 'n/a (< 6 rounds)';

  const variantRows = variants.map((variant) => {
    const of = (field: (r: RunResult) => number) => summarize(pick(variant.name, field));
    const rps = of((r) => r.rps);
    const cpu = of((r) => r.cpuUs);
    return (
      `| ${variant.label} | ${fmt(rps.median)} | ${fmt(rps.q1)}–${fmt(rps.q3)} | ${fmt(cpu.median, 1)} | ` +
      `${fmt(cpu.q1, 1)}–${fmt(cpu.q3, 1)} | ${fmt(of((r) => r.busy).median * 100)}% | ` +
      `${fmt(of((r) => r.waited).median * 100)}% |`
    );
  });

  /** Round i of a with round i of b, through `combine`. */
  const pairs = (a: string, b: string, field: (r: RunResult) => number, combine: (x: number, y: number) => number) =>
    summarize(paired(pick(a, field), pick(b, field), combine));
  /** Requests/s ratio a/b, CPU µs a−b, and the CPU ratio b/a, paired per round. */
  const compare = ({ a, b }: Comparison) => ({
    rpsRatio: pairs(
      a,
      b,
      (r) => r.rps,
      (x, y) => x / y,
    ),
    addedUs: pairs(
      a,
      b,
      (r) => r.cpuUs,
      (x, y) => x - y,
    ),
    cpuRatio: pairs(
      a,
      b,
      (r) => r.cpuUs,
      (x, y) => y / x,
    ),
  });
  const measured = (Object.keys(COMPARISONS) as ComparisonId[]).filter(
    (id) => results.has(COMPARISONS[id].a) && results.has(COMPARISONS[id].b),
  );
  const compared = new Map(measured.map((id) => [id, compare(COMPARISONS[id])]));

  const comparisonRows = [...compared].map(([id, { rpsRatio, addedUs, cpuRatio }]) => {
    const range = `${fmt(rpsRatio.min, 3)}–${fmt(rpsRatio.max, 3)}`;
    return (
      `| ${COMPARISONS[id].label} | ${fmt(rpsRatio.median, 3)} | ${interval(rpsRatio, 3)} | ${range} | ` +
      `${fmt(addedUs.median, 1)} | ${interval(addedUs, 1)} | ${fmt(cpuRatio.median, 3)} |`
    );
  });

  const goalRows = GOALS.flatMap(({ label, comparison, figure, goal, atLeast }) => {
    const summary = compared.get(comparison)?.[figure];
    if (!summary) return [];
    const digits = figure === 'addedUs' ? 1 : 3;
    const { verdict: outcome, straddles } = verdict(summary, goal, atLeast);
    const caveat = straddles ? ' (its 95% interval straddles the goal)' : '';
    return [`| ${label} | ${fmt(summary.median, digits)} | ${interval(summary, digits)} | **${outcome}**${caveat} |`];
  });
  const onOff = compared.get('onOff');

  /** Half the width of an interval, relative to its median: the smallest change this run can resolve. */
  const halfWidth = ({ ci, median }: Summary) => (ci ? ((ci[1] - ci[0]) / 2 / median) * 100 : Number.NaN);
  const waitedMedian = summarize(variants.flatMap((v) => pick(v.name, (r) => r.waited))).median;

  const report = [
    `Per variant, median over ${settings.rounds} rounds (IQR = quartiles):`,
    '',
    '| variant | req/s | req/s IQR | server CPU µs/req | CPU IQR | server busy | server waited |',
    '|---|---:|---:|---:|---:|---:|---:|',
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
    ...(goalRows.length > 0 ? ['', '| goal | median | 95% CI | |', '|---|---:|---:|---|', ...goalRows] : []),
    ...(onOff?.rpsRatio.ci
      ? [
          '',
          `Resolution: the on/off requests/s ratio is known to ±${fmt(halfWidth(onOff.rpsRatio), 1)}% in this run, ` +
            `the on/off CPU ratio to ±${fmt(halfWidth(onOff.cpuRatio), 1)}% (half the 95% interval).`,
        ]
      : []),
    ...(waitedMedian > NOISY_WAIT
      ? [
          `Noise: the servers waited for their CPU ${fmt(waitedMedian * 100)}% of the time (median over all runs): ` +
            'other processes shared their core, and CPU per request rises with that too (caches, fewer requests per ' +
            'event-loop turn). Compare within this run only, and rerun on a quieter machine to resolve 5%.',
        ]
      : []),
    '',
    'Spans (requests in flight when a run stops are answered after it, so received can exceed answered by up to the connection count):',
    ...spans.map(({ server, received, answered }) =>
      server === 'on-unsampled'
        ? `- ${server}: ${received} spans received for ${answered} requests answered (0 expected: nothing is sampled)`
        : `- ${server}: ${received} spans received for ${answered} requests answered (${fmt((100 * received) / answered, 2)}%${server === 'on-mix' ? ', 1% expected' : ''})`,
    ),
    ...(problems.length > 0 ? ['', 'Problems:', ...problems.map((p) => `- ${p}`)] : []),
  ].join('\n');
  return {
    report,
    json: { results: Object.fromEntries(results), compared: Object.fromEntries(compared), spans },
  };
}
