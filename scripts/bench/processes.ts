/**
 * The processes a benchmark runs: a server on a free loopback port, pinned to
 * one CPU when asked, and a span sink in a process of its own. Never one left
 * behind. Not the tests' service starter: that one reads every log line to
 * find the port, which would cost the load generator's CPU on every request
 * the bench sends; here stdout goes to /dev/null and the port is polled.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serviceCommand } from '../../packages/harness/src/service-process.ts';
import { exportsSpans, type ServerKind } from './variants.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BACKEND_DIR = `${ROOT}services/backend/`;

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

/** The servers' CPU and the load generator's (and span sinks'), when pinned. */
const SERVER_CPU = 0;
const LOAD_CPU = 1;

/**
 * Pins this process (the load generator) to LOAD_CPU when `taskset` can pin here
 * (Linux with util-linux, 2 CPUs or more), and says whether it did: servers
 * then go to SERVER_CPU, so servers and load stop trading places on one core.
 */
export function pinLoadGenerator(): boolean {
  const works = [0, 1].every((cpu) => spawnSync('taskset', ['-c', String(cpu), 'true']).status === 0);
  return works && spawnSync('taskset', ['-a', '-p', '-c', String(LOAD_CPU), String(process.pid)]).status === 0;
}

// --- starting and stopping -------------------------------------------------------

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

/** Waits until the port accepts TCP connections (no HTTP request: on a traced server it would make a span). */
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
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`server did not listen on ${port} within ${timeoutMs} ms`);
}

/** SIGTERM, and SIGKILL after `timeoutMs`: the backend flushes its queued spans (and a CPU profile) on the way out. */
async function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export interface SpanSink {
  /** Its Zipkin v2 URL. */
  readonly url: string;
  /** Its OTLP/HTTP traces URL. */
  readonly otlpUrl: string;
  /** Spans received so far. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Forks span-sink.ts (optionally pinned) and waits for its URLs. */
export async function startSink(cpu?: number): Promise<SpanSink> {
  const file = `${ROOT}scripts/bench/span-sink.ts`;
  const stdio = ['ignore', 'ignore', 'inherit', 'ipc'] as const;
  const child =
    cpu === undefined
      ? fork(file, { stdio: [...stdio] })
      : spawn('taskset', ['-c', String(cpu), process.execPath, file], { stdio: [...stdio] });
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

export interface ServerOptions {
  /** The server's LOG_LEVEL (default info: one access-log line per request, as deployed). */
  readonly logLevel?: string | undefined;
  /** The server on CPU 0 and its span sink on CPU 1 (the load generator's, see pinLoadGenerator). */
  readonly pinned?: boolean | undefined;
  /** Extra Node options, such as --cpu-prof. */
  readonly nodeArgs?: readonly string[] | undefined;
  /** NODE_COMPILE_CACHE: the folder of Node's compile cache, as the images set it. */
  readonly compileCache?: string | undefined;
  /** A sink already running, for servers started one after another; else each exporting server gets its own. */
  readonly sink?: SpanSink | undefined;
}

export interface RunningServer {
  readonly origin: string;
  readonly pid: number | undefined;
  /** Stops the server (it flushes its spans first) and its own sink; resolves with the spans that sink received. */
  stop(): Promise<number | undefined>;
}

/**
 * Starts one server from dist/ on a free loopback port and waits until it
 * listens. Only our OTEL_* settings reach it: the caller's environment must
 * not change what is measured. Stdout (one access-log line per request) goes
 * to /dev/null; stderr is kept for a start-up error.
 */
export async function startServer(kind: ServerKind, options: ServerOptions = {}): Promise<RunningServer> {
  const ownSink =
    exportsSpans(kind) && !options.sink ? await startSink(options.pinned ? LOAD_CPU : undefined) : undefined;
  const sink = options.sink ?? ownSink;
  const port = await freePort();
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')),
  );
  Object.assign(env, { PORT: String(port), HOST: '127.0.0.1', ADMIN_PORT: '0', LOG_LEVEL: options.logLevel ?? 'info' });
  // Nor the caller's compile cache: start-up is measured with one only when asked.
  delete env.NODE_COMPILE_CACHE;
  if (options.compileCache) env.NODE_COMPILE_CACHE = options.compileCache;
  const args = [...(options.nodeArgs ?? [])];
  let cwd = ROOT;
  if (kind === 'bare') {
    args.push(`${ROOT}scripts/bench/bare-fastify.js`);
  } else {
    if (!existsSync(`${BACKEND_DIR}dist/server.js`))
      throw new Error('services/backend/dist is missing: run `./pnpmw build` first');
    // The backend's start command as users and tests run it (its package.json start script).
    const backend = serviceCommand('backend', { from: 'dist' });
    if (kind === 'backend-off') env.OTEL_SDK_DISABLED = 'true';
    else if (kind === 'backend-otlp')
      Object.assign(env, { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sink?.otlpUrl });
    else env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = sink?.url;
    args.push(...backend.argv);
    cwd = backend.cwd;
  }
  // taskset execs node in place, so the child's pid is the server's own (its /proc readings are the server's).
  const [command, commandArgs] = options.pinned
    ? ['taskset', ['-c', String(SERVER_CPU), process.execPath, ...args]]
    : [process.execPath, args];
  const child = track(spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 100_000) stderr += chunk;
  });
  const stop = async () => {
    await stopChild(child);
    const received = await ownSink?.count();
    await ownSink?.close();
    return received;
  };
  try {
    await waitForPort(port, child);
  } catch (error) {
    await stop();
    throw new Error(`${kind}: ${(error as Error).message}\n${stderr.slice(-2000)}`);
  }
  return { origin: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}
