/**
 * Child processes for the benchmarks (scripts/bench.ts, scripts/bench-footprint.ts):
 * start a server on a free loopback port, optionally pinned to one CPU, read
 * its CPU time and memory from /proc, stop it, and never leave one behind.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serviceCommand } from '../packages/harness/src/service-process.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BACKEND_DIR = `${ROOT}services/backend/`;

/** The servers the benchmarks compare. */
export type ServerKind =
  | 'bare' // scripts/bare-fastify.js: a Fastify hello-world, the yardstick
  | 'backend-off' // the backend with OTEL_SDK_DISABLED=true
  | 'backend-on' // the backend sampling 100%, exporting to a Zipkin endpoint
  | 'backend-otlp'; // the same, exporting OTLP/HTTP protobuf (OTEL_TRACES_EXPORTER=otlp)

/** The kinds that export spans, and so need a sink. */
export const exportsSpans = (kind: ServerKind) => kind === 'backend-on' || kind === 'backend-otlp';

// --- never leave a child behind --------------------------------------------------

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

// --- CPU pinning ---------------------------------------------------------------------

/**
 * True when `taskset` can pin processes here (Linux with util-linux, and the
 * CPUs exist): servers then run on one core and the load generator on another,
 * so they stop trading places on the same core mid-run.
 */
export function canPin(cpus: readonly number[]): boolean {
  return cpus.every((cpu) => spawnSync('taskset', ['-c', String(cpu), 'true']).status === 0);
}

/** Pins every thread of this process (the load generator) to `cpu`. */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)]).status === 0;
}

// --- /proc readings ----------------------------------------------------------------

/** USER_HZ: the unit of utime/stime in /proc/PID/stat, 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, all threads) a process has used, from
 * /proc/PID/stat; undefined where there is no /proc or the process is gone.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Seconds the process's threads spent runnable but waiting for a CPU (the
 * second field of /proc/PID/task/TID/schedstat): how much other load on the
 * machine held this server back. Undefined without schedstat.
 */
export function waitSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    let nanoseconds = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory in MiB (VmRSS from /proc/PID/status); NaN where unavailable. */
export function rssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

// --- starting and stopping -------------------------------------------------------

export function freePort(): Promise<number> {
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

/** Waits until the port accepts TCP connections (no HTTP request: on a traced server it would make a span). */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
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
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`server did not listen on ${port} within ${timeoutMs} ms`);
}

export async function stop(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export interface ServerOptions {
  readonly port: number;
  readonly logLevel: string;
  /** OTEL_EXPORTER_ZIPKIN_ENDPOINT, for backend-on. */
  readonly zipkinUrl?: string | undefined;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, for backend-otlp. */
  readonly otlpUrl?: string | undefined;
  /** Run the backend's src/ with --conditions=source instead of dist/. */
  readonly source?: boolean | undefined;
  /** Pin the server to this CPU with taskset. */
  readonly cpu?: number | undefined;
  /** Extra Node options, such as --cpu-prof. */
  readonly nodeArgs?: readonly string[] | undefined;
  /** NODE_COMPILE_CACHE: the folder of Node's compile cache, as the images set it. */
  readonly compileCache?: string | undefined;
}

/**
 * Spawns one server (not waiting for it). Only our OTEL_* settings reach it:
 * the caller's environment must not change what is measured. Stdout (one
 * access-log line per request) goes to /dev/null, so the load generator never
 * reads it; stderr is piped for start-up errors.
 */
export function spawnServer(kind: ServerKind, options: ServerOptions): ChildProcess {
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')),
  );
  Object.assign(env, { PORT: String(options.port), HOST: '127.0.0.1', ADMIN_PORT: '0', LOG_LEVEL: options.logLevel });
  // Nor the caller's compile cache: start-up is measured with one only when asked (compileCache).
  delete env.NODE_COMPILE_CACHE;
  if (options.compileCache) env.NODE_COMPILE_CACHE = options.compileCache;
  const args = [...(options.nodeArgs ?? [])];
  let cwd = ROOT;
  if (kind === 'bare') {
    args.push(`${ROOT}scripts/bare-fastify.js`);
  } else {
    if (!options.source && !existsSync(`${BACKEND_DIR}dist/server.js`))
      throw new Error('services/backend/dist is missing: run `pnpm run build` first (or pass --source)');
    if (kind === 'backend-off') env.OTEL_SDK_DISABLED = 'true';
    else if (kind === 'backend-otlp')
      Object.assign(env, { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: options.otlpUrl });
    else if (options.zipkinUrl) env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = options.zipkinUrl;
    // The backend's start command as the tests run it (its package.json dev or start script).
    const backend = serviceCommand('backend', { from: options.source ? 'source' : 'dist' });
    args.push(...backend.argv);
    cwd = backend.cwd;
  }
  // taskset execs node in place, so the child's pid is the server's own (its /proc readings are the server's).
  const [command, commandArgs] =
    options.cpu === undefined
      ? [process.execPath, args]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...args]];
  return track(spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] }));
}

export interface ZipkinSink {
  readonly url: string;
  /** Its OTLP/HTTP traces URL. */
  readonly otlpUrl: string;
  /** Spans received so far. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Forks scripts/zipkin-sink.ts (optionally pinned) and waits for its URL. */
export async function startSink(cpu?: number): Promise<ZipkinSink> {
  const file = `${ROOT}scripts/zipkin-sink.ts`;
  const child =
    cpu === undefined
      ? fork(file, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
      : spawn('taskset', ['-c', String(cpu), process.execPath, file], {
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
  track(child);
  const [{ url, otlpUrl }] = (await once(child, 'message')) as [{ url: string; otlpUrl: string }];
  return {
    url,
    otlpUrl,
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
