/**
 * `pnpm bench`: what tracing costs the backend, measured in one run on loopback.
 *
 * Each server runs in its own child process, at the same LOG_LEVEL, and takes
 * the same autocannon load (same connections, same duration, after a warm-up):
 *
 *   bare      a Fastify hello-world (scripts/bare-fastify.ts), the yardstick
 *   off       the backend with OTEL_SDK_DISABLED=true
 *   on        the backend sampling 100% (no trace headers are sent, so every
 *             request is a new sampled root) and exporting to a Zipkin endpoint
 *             that runs in another child process (scripts/zipkin-sink.ts)
 *
 * off and on also take the JSON echo (`?format=json`) and a fixed moderate rate
 * (autocannon's overallRate) for p99 latency. Rounds alternate the server order
 * to spread drift and noise. The spans the sink received are counted against
 * the requests answered, and the batch processor's "Dropped N spans" warnings
 * are read from the backend's stderr, so lost spans show. This is a benchmark,
 * not a test: it prints figures and which goals they meet, and exits 0.
 *
 * Flags: --duration s, --connections n, --warmup s, --rounds n, --rate req/s,
 * --log-level level, --quick (short run), --source (run src/ with
 * --conditions=source instead of dist/), --json file (write the results).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// --- what we use of autocannon (it ships no types) ---------------------------

interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly overallRate?: number;
  readonly headers?: Record<string, string>;
}

interface AutocannonResult {
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly requests: { readonly average: number; readonly total: number };
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
  ): this;
}

const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => AutocannonInstance;

// --- options -------------------------------------------------------------------

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    rate: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    quick: { type: 'boolean', default: false },
    source: { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  process.stdout.write(
    'usage: pnpm bench [--duration 10] [--connections 32] [--warmup 3] [--rounds 2] [--rate 1000]\n' +
      '                  [--log-level info] [--quick] [--source] [--json results.json]\n',
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
  duration: positive('duration', flags.duration, flags.quick ? 3 : 10),
  connections: positive('connections', flags.connections, 32),
  warmup: positive('warmup', flags.warmup, flags.quick ? 1 : 3),
  rounds: positive('rounds', flags.rounds, flags.quick ? 1 : 2),
  rate: positive('rate', flags.rate, 1000),
  logLevel: flags['log-level'],
  source: flags.source,
};

const root = new URL('../', import.meta.url);
const backendDir = fileURLToPath(new URL('services/backend/', root));
const backendEntry = settings.source ? ['--conditions=source', 'src/server.ts'] : ['dist/server.js'];
if (!settings.source && !existsSync(`${backendDir}dist/server.js`)) {
  process.stderr.write('services/backend/dist is missing: run `pnpm run build` first (or pass --source)\n');
  process.exit(1);
}

// --- child processes -----------------------------------------------------------

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux; undefined
 * elsewhere). CPU per request is steadier than requests/s on a shared machine:
 * other load slows a server down without making each request cost more.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces: state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Waits until the port accepts TCP connections (no HTTP request: it would make a span). */
async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not listen on ${port} within ${timeoutMs} ms`);
}

async function stop(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

interface ZipkinSink {
  readonly url: string;
  count(): Promise<number>;
  close(): Promise<void>;
}

async function startSink(): Promise<ZipkinSink> {
  const child = track(
    fork(fileURLToPath(new URL('scripts/zipkin-sink.ts', root)), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  const [{ url }] = (await once(child, 'message')) as [{ url: string }];
  return {
    url,
    async count() {
      child.send('count');
      const [{ count }] = (await once(child, 'message')) as [{ count: number }];
      return count;
    },
    async close() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

type ServerName = 'bare' | 'off' | 'on';

interface RunningServer {
  readonly origin: string;
  readonly child: ChildProcess;
  /** The server's stderr so far (the SDK's diagnostics go there). */
  stderr(): string;
}

/**
 * Starts one server and waits until it listens. Tries three times: on a shared
 * checkout another engineer's build may be rewriting dist/ at that moment.
 */
async function startServer(name: ServerName, zipkinUrl?: string): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(name, zipkinUrl);
    } catch (error) {
      if (attempt === 3) throw error;
      log(`  ${name} server failed to start, retrying: ${(error as Error).message.split('\n', 1)[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

async function startServerOnce(name: ServerName, zipkinUrl?: string): Promise<RunningServer> {
  const port = await freePort();
  // Only our OTEL_* settings: the caller's environment must not change what is measured.
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')),
  );
  Object.assign(env, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: settings.logLevel });
  let child: ChildProcess;
  if (name === 'bare') {
    child = spawn(process.execPath, [fileURLToPath(new URL('scripts/bare-fastify.ts', root))], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } else {
    if (name === 'off') env.OTEL_SDK_DISABLED = 'true';
    else env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = zipkinUrl;
    child = spawn(process.execPath, ['--import', '@meshtrace/tracing/register', ...backendEntry], {
      cwd: backendDir,
      env,
      // Access-log lines go to /dev/null: a pipe would make this process, the load generator, read them.
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  track(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 1_000_000) stderr += chunk;
  });
  try {
    await waitForPort(port, child);
  } catch (error) {
    await stop(child);
    throw new Error(`${(error as Error).message}\n${stderr.slice(-2000)}`);
  }
  return { origin: `http://127.0.0.1:${port}`, child, stderr: () => stderr };
}

// --- load ----------------------------------------------------------------------

interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Responses received (any status). */
  readonly answered: number;
  readonly failures: number;
  /** The server's CPU time per answered request, in microseconds (NaN where /proc is missing). */
  readonly cpuUs: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * One autocannon run. Latency percentiles come from every response's own
 * timing (autocannon's histogram keeps whole milliseconds, too coarse for a
 * 1 ms goal).
 */
async function load(url: string, duration: number, overallRate?: number, pid?: number): Promise<LoadResult> {
  const times: number[] = [];
  const cpuBefore = cpuSeconds(pid);
  let answered = 0;
  const instance = autocannon({
    url,
    connections: settings.connections,
    duration,
    ...(overallRate === undefined ? {} : { overallRate }),
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    answered++;
    times.push(responseTime);
  });
  const result = await instance;
  const cpuAfter = cpuSeconds(pid);
  const sorted = Float64Array.from(times).sort();
  return {
    rps: overallRate === undefined ? result.requests.average : answered / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    answered,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuUs: cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : ((cpuAfter - cpuBefore) * 1e6) / answered,
  };
}

// --- the plan ------------------------------------------------------------------

type CaseName = 'bare' | 'off' | 'on' | 'off-json' | 'on-json' | 'off-rate' | 'on-rate';

const CASES: Readonly<Record<ServerName, ReadonlyArray<{ name: CaseName; path: string; rate?: boolean }>>> = {
  bare: [{ name: 'bare', path: '/' }],
  off: [
    { name: 'off', path: '/' },
    { name: 'off-json', path: '/?format=json' },
    { name: 'off-rate', path: '/', rate: true },
  ],
  on: [
    { name: 'on', path: '/' },
    { name: 'on-json', path: '/?format=json' },
    { name: 'on-rate', path: '/', rate: true },
  ],
};

const results = new Map<CaseName, LoadResult[]>();
const spanAccounts: Array<{ answered: number; received: number; dropped: number }> = [];
const failures: string[] = [];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

async function measureServer(name: ServerName, round: number): Promise<void> {
  const sink = name === 'on' ? await startSink() : undefined;
  const server = await startServer(name, sink?.url);
  let answered = 0;
  try {
    const warm = await load(`${server.origin}/`, settings.warmup);
    answered += warm.answered;
    for (const test of CASES[name]) {
      // JSON and rate runs get a short warm-up of their own path too.
      if (test.path !== '/' && !test.rate) answered += (await load(server.origin + test.path, 1)).answered;
      const rate = test.rate ? settings.rate : undefined;
      const result = await load(server.origin + test.path, settings.duration, rate, server.child.pid);
      answered += result.answered;
      if (result.failures > 0) failures.push(`${test.name} round ${round}: ${result.failures} errors/non-2xx`);
      results.set(test.name, [...(results.get(test.name) ?? []), result]);
      log(
        `  round ${round} ${test.name.padEnd(8)} ${fmt(result.rps).padStart(6)} req/s  ` +
          `p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms  server CPU ${fmt(result.cpuUs, 1)} µs/req`,
      );
    }
  } finally {
    // SIGTERM makes the backend flush its queued spans before it exits.
    await stop(server.child);
  }
  if (sink) {
    const received = await sink.count();
    await sink.close();
    const dropped = [...server.stderr().matchAll(/Dropped (\d+) spans/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    spanAccounts.push({ answered, received, dropped });
    log(`  round ${round} spans    ${received} received for ${answered} requests answered, ${dropped} dropped`);
  }
}

// --- run -----------------------------------------------------------------------

const machine = {
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
log(
  `meshtrace bench: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
    `${settings.connections} connections, ${settings.duration} s per run after ${settings.warmup} s warm-up, ` +
    `${settings.rounds} round(s), fixed rate ${settings.rate} req/s, LOG_LEVEL=${settings.logLevel}, ` +
    `backend from ${settings.source ? 'src' : 'dist'}`,
);

const order: ServerName[] = ['bare', 'off', 'on'];
for (let round = 1; round <= settings.rounds; round++) {
  // Alternate the order so slow drift (other load, thermal) does not favour one server.
  const servers = round % 2 === 1 ? order : [...order].reverse();
  for (const name of servers) await measureServer(name, round);
}

function mean(name: CaseName, pick: (r: LoadResult) => number): number {
  const values = (results.get(name) ?? []).map(pick);
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function spread(name: CaseName): string {
  const values = (results.get(name) ?? []).map((r) => r.rps);
  if (values.length < 2) return '';
  return `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
}

const rows: Array<[CaseName, string]> = [
  ['bare', 'bare Fastify hello-world'],
  ['off', 'backend, tracing off, text'],
  ['on', 'backend, tracing on (100%, exporting), text'],
  ['off-json', 'backend, tracing off, JSON echo'],
  ['on-json', 'backend, tracing on, JSON echo'],
  ['off-rate', `backend, tracing off, ${settings.rate} req/s`],
  ['on-rate', `backend, tracing on, ${settings.rate} req/s`],
];

const table = [
  '| case | requests/s (mean) | range over rounds | p50 ms | p99 ms | server CPU µs/request |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    ([name, label]) =>
      `| ${label} | ${fmt(mean(name, (r) => r.rps))} | ${spread(name)} | ` +
      `${fmt(
        mean(name, (r) => r.p50),
        2,
      )} | ${fmt(
        mean(name, (r) => r.p99),
        2,
      )} | ${fmt(
        mean(name, (r) => r.cpuUs),
        1,
      )} |`,
  ),
];

const rps = (name: CaseName) => mean(name, (r) => r.rps);
const ratios = {
  onOverOff: rps('on') / rps('off'),
  offOverBare: rps('off') / rps('bare'),
  jsonOnOverBare: rps('on-json') / rps('bare'),
  addedP99Ms: mean('on-rate', (r) => r.p99) - mean('off-rate', (r) => r.p99),
};
const goals = [
  ['tracing on / tracing off', fmt(ratios.onOverOff, 2), '>= 0.80', ratios.onOverOff >= 0.8],
  ['tracing off / bare Fastify', fmt(ratios.offOverBare, 2), '>= 0.90', ratios.offOverBare >= 0.9],
  ['JSON echo, tracing on / bare Fastify', fmt(ratios.jsonOnOverBare, 2), '>= 0.50', ratios.jsonOnOverBare >= 0.5],
  [`added p99 at ${settings.rate} req/s`, `${fmt(ratios.addedP99Ms, 2)} ms`, '<= 1 ms', ratios.addedP99Ms <= 1],
] as const;

const spanLines = spanAccounts.map(
  ({ answered, received, dropped }, i) =>
    `- tracing-on server ${i + 1}: ${received} spans received for ${answered} requests answered ` +
    `(${fmt((100 * received) / answered, 1)}%), ${dropped} reported dropped by the batch processor`,
);

process.stdout.write(
  [
    '',
    table.join('\n'),
    '',
    '| ratio | value | goal | met |',
    '|---|---:|---:|---|',
    ...goals.map(([label, value, goal, met]) => `| ${label} | ${value} | ${goal} | ${met ? 'yes' : 'no'} |`),
    '',
    `Server CPU per request (steadier than requests/s on a shared machine): tracing off / on = ${fmt(
      mean('off', (r) => r.cpuUs) / mean('on', (r) => r.cpuUs),
      2,
    )}, bare / tracing off = ${fmt(mean('bare', (r) => r.cpuUs) / mean('off', (r) => r.cpuUs), 2)}, ` +
      `bare / JSON echo with tracing on = ${fmt(mean('bare', (r) => r.cpuUs) / mean('on-json', (r) => r.cpuUs), 2)}.`,
    '',
    'Spans (requests in flight when a run stops are answered after it, so received can exceed answered by up to the connection count):',
    ...spanLines,
    ...(failures.length > 0 ? ['', 'Errors:', ...failures.map((f) => `- ${f}`)] : []),
    '',
  ].join('\n'),
);

if (flags.json) {
  writeFileSync(
    flags.json,
    `${JSON.stringify({ machine, settings, results: Object.fromEntries(results), ratios, spans: spanAccounts }, null, 2)}\n`,
  );
}
