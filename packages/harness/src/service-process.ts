import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'backend' | 'frontend';

/** The repository root, found from this file (packages/harness/src or dist). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where a service listens unless told otherwise: loopback, and free ports for traffic and admin alike. */
const LOOPBACK_ENV = { HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0' } as const;
const START_TIMEOUT_MS = 10_000;
/** Lines of output a failed start shows. */
const SHOWN_LINES = 20;

export interface ServiceCommandOptions {
  /** Run the TypeScript sources with the `dev` script (default), or the built dist/ with `start`. */
  readonly from?: 'source' | 'dist';
  /** Node options before the script's own, e.g. `--cpu-prof` or another `--import`. */
  readonly nodeArgs?: readonly string[];
  /** Where to run it: services/<name> unless set (a `pnpm deploy` of the service, say). */
  readonly cwd?: string;
}

export interface StartServiceOptions extends ServiceCommandOptions {
  /** The environment besides PATH and the loopback defaults (HOST, PORT=0, ADMIN_PORT=0); nothing else is inherited. */
  readonly env?: Readonly<Record<string, string>>;
  /** The service's own flags, after the entry point (as `docker run IMAGE -text=hi` passes them). */
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
  /** stop() sends SIGKILL when the process still runs this long after its signal; unset, it waits. */
  readonly killAfterMs?: number;
  /** Keep only the last N lines of output and logs (a long-running demo); unset, all of them. */
  readonly keepLines?: number;
}

export interface ServiceProcess {
  readonly name: ServiceName;
  /** `http://127.0.0.1:<port>` once listening. */
  readonly url: string;
  readonly port: number;
  /** The admin listener's `http://<ADMIN_HOST>:<port>`, if it has one (CONTROL_ROUTES=on). */
  readonly adminUrl: string | undefined;
  readonly child: ChildProcess;
  /** Every JSON log line so far (stdout), parsed. */
  readonly logs: readonly Record<string, unknown>[];
  /** Everything written to stderr. */
  readonly stderr: () => string;
  /** Everything written to stdout and stderr, line by line as it arrived. */
  readonly output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited and its output is read. */
  readonly exited: Promise<number | null>;
}

/**
 * How a service starts: its package.json `dev` or `start` script (the images' ENTRYPOINT is the
 * start script), as the folder to run in and Node's arguments. Reading the script keeps its flags
 * in one place; a script that does not run `node` is refused.
 */
export function serviceCommand(
  service: ServiceName,
  options: ServiceCommandOptions = {},
): { cwd: string; argv: string[] } {
  const dir = `${REPO_ROOT}services/${service}`;
  const name = options.from === 'dist' ? 'start' : 'dev';
  const { scripts } = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { scripts?: Record<string, string> };
  const script = scripts?.[name] ?? '';
  const [program, ...args] = script.split(' ');
  if (program !== 'node')
    throw new Error(`services/${service}/package.json: the ${name} script must run node: "${script}"`);
  const cwd = options.cwd ?? dir;
  const entry = `${cwd}/${args.at(-1) ?? ''}`;
  if (!existsSync(entry)) throw new Error(`cannot find ${entry}`);
  return { cwd, argv: [...(options.nodeArgs ?? []), ...args] };
}

function spawnService(
  service: ServiceName,
  options: StartServiceOptions,
  defaults: Readonly<Record<string, string>>,
): ChildProcess {
  const { cwd, argv } = serviceCommand(service, options);
  return spawn(process.execPath, [...argv, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...defaults, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Calls `onLine` with each non-blank line of `stream`, the last one too if it has no newline. */
function eachLine(stream: Readable | null, onLine: (line: string) => void): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
  stream?.on('end', () => {
    if (rest.trim() !== '') onLine(rest);
  });
}

/** Appends, dropping the oldest beyond `max` (unset: keeps everything). */
function keep<T>(list: T[], item: T, max: number | undefined): void {
  list.push(item);
  if (max !== undefined && list.length > max) list.splice(0, list.length - max);
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const entry: unknown = JSON.parse(line);
    return typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A failed start's last lines of output, or what it means that there are none. */
function lastLines(output: readonly string[], exited: boolean): string {
  if (output.length > 0)
    return `; its last lines:\n${output
      .slice(-SHOWN_LINES)
      .map((line) => `  ${line}`)
      .join('\n')}`;
  return exited
    ? ', and printed nothing'
    : ': it printed nothing yet (a busy machine starts slowly: try again, or start fewer at once)';
}

/**
 * Starts a service as its own process, exactly as its package.json script does, on free
 * loopback ports, and resolves when it logs that it is listening (and its admin listener too,
 * unless CONTROL_ROUTES=off). A start that fails or times out kills the process before it
 * rejects, naming the service (OTEL_SERVICE_NAME, if set) and its last lines of output.
 */
export async function startService(service: ServiceName, options: StartServiceOptions = {}): Promise<ServiceProcess> {
  const label = options.env?.OTEL_SERVICE_NAME ?? service;
  const child = spawnService(service, options, { ...LOOPBACK_ENV, LOG_LEVEL: 'info' });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const output: string[] = [];
  const max = options.keepLines;
  let port = 0;
  let adminUrl: string | undefined;
  const wantsAdmin = options.env?.CONTROL_ROUTES !== 'off';
  let onListening: (() => void) | undefined;
  eachLine(child.stdout, (line) => {
    keep(output, line, max);
    const entry = parseLogLine(line);
    if (!entry) return;
    keep(logs, entry, max);
    const listening = /listening at (http:\/\/\S+)/.exec(String(entry.msg))?.[1];
    if (listening && entry.listener === 'admin') adminUrl = listening;
    else if (listening && port === 0) port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(listening)?.[1] ?? 0);
    if (listening && port !== 0 && (adminUrl !== undefined || !wantsAdmin)) onListening?.();
  });
  eachLine(child.stderr, (line) => {
    keep(output, line, max);
    keep(stderr, line, max);
  });
  // 'close', not 'exit': by then everything the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code: number | null) => resolve(code)));

  const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${label} did not become ready within ${timeoutMs / 1000} s${lastLines(output, false)}`)),
        timeoutMs,
      );
      onListening = () => {
        clearTimeout(timer);
        resolve();
      };
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        const how = code === null ? child.signalCode : `code ${code}`;
        reject(new Error(`${label} exited (${how}) before it became ready${lastLines(output, true)}`));
      });
    });
  } catch (error) {
    // Never leave a process behind: one that has not started has nothing to flush.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    throw error;
  }

  return {
    name: service,
    url: `http://127.0.0.1:${port}`,
    port,
    adminUrl,
    child,
    logs,
    stderr: () => stderr.join('\n'),
    output: () => output.join('\n'),
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        if (options.killAfterMs !== undefined) {
          const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
          void exited.then(() => clearTimeout(timer));
        }
      }
      return exited;
    },
  };
}

/** Runs a service that is expected to exit by itself (a flag, bad config); resolves with its exit code and output. */
export async function runToExit(
  service: ServiceName,
  options: StartServiceOptions = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawnService(service, options, LOOPBACK_ENV);
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.startTimeoutMs ?? START_TIMEOUT_MS);
  const [code] = await once(child, 'close');
  clearTimeout(timer);
  return { code: code as number | null, stderr, stdout };
}

/** Something a test starts and must stop: a service process, a browser, a server. */
export type Stoppable = { stop(): Promise<unknown> } | { close(): Promise<unknown> };

/**
 * Starts several things at once, like `Promise.all`, except that when one start fails, every
 * one that did start is stopped before the error is rethrown: a set-up that fails half-way
 * (no browser on the machine, a port taken) leaves no process behind for `afterAll` to miss.
 */
export async function startAll<const T extends readonly Stoppable[]>(
  starts: {
    readonly [K in keyof T]: Promise<T[K]>;
  },
): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((result) => result.status === 'rejected');
  if (!failure) return settled.map((result) => (result as PromiseFulfilledResult<Stoppable>).value) as unknown as T;
  await Promise.allSettled(
    settled.map((result) => {
      if (result.status === 'rejected') return undefined;
      const started = result.value;
      return 'stop' in started ? started.stop() : started.close();
    }),
  );
  throw failure.reason;
}
