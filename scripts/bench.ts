/**
 * `./pnpmw bench`: what tracing costs, as ratios within one run on a machine
 * others share. Two parts, both by default:
 *
 *   throughput  requests/s and server CPU per request for each variant
 *               (bench/variants.ts: a bare Fastify, the backend with tracing
 *               off, on with Zipkin or OTLP export, receiving unsampled B3,
 *               Istio's default 1% mix, the JSON echo), alternating over rounds, paired per round,
 *               reported as medians with a 95% interval (bench/throughput.ts)
 *   startup     spawn → ready, CPU to ready and idle memory of a bare Fastify
 *               and the backend off and on, alternating (bench/startup.ts)
 *
 * A benchmark, not a test: it prints figures and which goals they meet, and
 * exits 0. `./pnpmw bench:profile` says where the time goes. Method and
 * today's figures: docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { CONNECTIONS, WARMUP_SECONDS } from './bench/load.ts';
import { pinLoadGenerator, startSink } from './bench/processes.ts';
import { measureStartup, STARTUP_SERVERS } from './bench/startup.ts';
import { measureThroughput, SETTLE_SECONDS } from './bench/throughput.ts';
import { VARIANTS } from './bench/variants.ts';

const USAGE = `usage: ./pnpmw bench [options]
  --only throughput|startup  one part only (default: both)
  --variants a,b,…           throughput: only these, of
                             ${VARIANTS.map((v) => v.name).join(', ')}
  --rounds 10                throughput: rounds, each running every variant once, alternating the order
  --duration 4               throughput: seconds of load per variant per round
  --log-level info           throughput: the servers' LOG_LEVEL
  --no-pin                   throughput: do not pin servers and load to different CPUs
  --starts 10                startup: starts of each server
  --compile-cache            startup: with Node's compile cache filled first, as the images start
  --json FILE                also write every measurement to FILE
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(1);
}

/** The options, or the usage and exit 1 for one parseArgs rejects. */
function readFlags() {
  try {
    return parseArgs({
      allowNegative: true,
      options: {
        only: { type: 'string' },
        variants: { type: 'string' },
        rounds: { type: 'string', default: '10' },
        duration: { type: 'string', default: '4' },
        'log-level': { type: 'string', default: 'info' },
        pin: { type: 'boolean', default: true },
        starts: { type: 'string', default: '10' },
        'compile-cache': { type: 'boolean', default: false },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    fail((error as Error).message);
  }
}
const flags = readFlags();
if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function positive(name: 'rounds' | 'duration' | 'starts'): number {
  const number = Number(flags[name]);
  if (!Number.isFinite(number) || number <= 0) fail(`invalid --${name}=${flags[name]}: expected a positive number`);
  return number;
}
if (flags.only !== undefined && flags.only !== 'throughput' && flags.only !== 'startup')
  fail(`invalid --only=${flags.only}: expected throughput or startup`);
const runs = (part: 'throughput' | 'startup') => flags.only === undefined || flags.only === part;
const names = flags.variants?.split(',').map((name) => name.trim());
for (const name of names ?? []) if (!VARIANTS.some((v) => v.name === name)) fail(`invalid --variants: no ${name}`);

const throughput = {
  rounds: Math.round(positive('rounds')),
  duration: positive('duration'),
  logLevel: flags['log-level'],
  variants: names ? VARIANTS.filter((v) => names.includes(v.name)) : VARIANTS,
};
const startup = { runs: Math.round(positive('starts')), compileCache: flags['compile-cache'] };

const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const machine = {
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const seconds =
  (runs('throughput')
    ? throughput.variants.length * (WARMUP_SECONDS + (throughput.duration + SETTLE_SECONDS) * throughput.rounds)
    : 0) + (runs('startup') ? startup.runs * STARTUP_SERVERS.length * 3 : 0);
const loadBefore = loadavg()[0] ?? Number.NaN;
log(
  `meshtrace bench: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
    `load average ${fmt(loadBefore, 2)}; about ${Math.ceil(seconds / 60)} min`,
);

const json: Record<string, unknown> = { machine, loadBefore };
const reports: { throughput?: string; startup?: string } = {};
// Start-up first: once this process is pinned, every child it spawns without taskset inherits its one CPU.
if (runs('startup')) {
  log(`startup: ${startup.runs} starts of each server, from dist/${startup.compileCache ? ', compile cache' : ''}`);
  const sink = await startSink();
  try {
    const result = await measureStartup(startup, sink, log);
    reports.startup = result.report;
    json.startup = { settings: startup, starts: result.starts };
  } finally {
    await sink.close();
  }
}
if (runs('throughput')) {
  const pinned = flags.pin && machine.cpus >= 2 && pinLoadGenerator();
  log(
    `throughput: ${throughput.rounds} rounds × ${throughput.variants.length} variants × ${throughput.duration} s ` +
      `(+${SETTLE_SECONDS} s settle), ${CONNECTIONS} connections, LOG_LEVEL=${throughput.logLevel}, from dist/; ` +
      (pinned
        ? 'servers on CPU 0, load generator and span sinks on CPU 1'
        : `not pinned (${flags.pin ? 'taskset unavailable or fewer than 2 CPUs' : '--no-pin'})`),
  );
  const result = await measureThroughput({ ...throughput, pinned }, log);
  reports.throughput = result.report;
  json.throughput = { settings: { ...throughput, pinned }, ...result.json };
}
const loadAfter = loadavg()[0] ?? Number.NaN;
json.loadAfter = loadAfter;

process.stdout.write(
  `\n${[reports.throughput, reports.startup].filter(Boolean).join('\n\n')}\n\n` +
    `Load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(loadAfter, 2)} after, on ${machine.cpus} CPUs.\n`,
);
if (flags.json) writeFileSync(flags.json, `${JSON.stringify(json, null, 2)}\n`);
