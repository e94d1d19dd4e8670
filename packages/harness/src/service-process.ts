import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'backend' | 'frontend';

/** The repository root, found from this file (packages/harness/src or dist). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

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
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

export interface StartServiceOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly args?: readonly string[];
  /** Run the TypeScript sources (default) or the built dist/ files. */
  readonly from?: 'source' | 'dist';
  readonly startTimeoutMs?: number;
}

function command(service: ServiceName, from: 'source' | 'dist'): { cwd: string; argv: string[] } {
  const cwd = `${REPO_ROOT}services/${service}`;
  const entry = from === 'source' ? 'src/server.ts' : 'dist/server.js';
  const conditions = from === 'source' ? ['--conditions=source'] : [];
  return { cwd, argv: [...conditions, '--import', '@meshtrace/tracing/register', entry] };
}

/** Where a test's service listens: loopback, and free ports for traffic and admin alike. */
const LOOPBACK_ENV = { HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0' } as const;

/**
 * Starts a service as its own process, exactly as its start script does, on
 * free loopback ports, and resolves when it logs that it is listening (and its
 * admin listener too, unless CONTROL_ROUTES=off).
 */
export async function startService(service: ServiceName, options: StartServiceOptions = {}): Promise<ServiceProcess> {
  const { cwd, argv } = command(service, options.from ?? 'source');
  const child = spawn(process.execPath, [...argv, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...LOOPBACK_ENV, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  let port = 0;
  let adminUrl: string | undefined;
  const wantsAdmin = options.env?.CONTROL_ROUTES !== 'off';
  let onListening: (() => void) | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        const listening = /listening at (http:\/\/\S+)/.exec(String(entry.msg))?.[1];
        if (listening && entry.listener === 'admin') adminUrl = listening;
        else if (listening && port === 0) port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(listening)?.[1] ?? 0);
        if (listening && port !== 0 && (adminUrl !== undefined || !wantsAdmin)) onListening?.();
      } catch {
        // not a JSON line; ignore
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${service} did not start within ${options.startTimeoutMs ?? 10_000} ms: ${stderr}`));
    }, options.startTimeoutMs ?? 10_000);
    onListening = () => {
      clearTimeout(timer);
      resolve();
    };
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code} before listening: ${stderr}`));
    });
  });

  return {
    name: service,
    url: `http://127.0.0.1:${port}`,
    port,
    adminUrl,
    child,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a service that is expected to fail at start-up; resolves with its exit code and stderr. */
export async function runToExit(
  service: ServiceName,
  options: StartServiceOptions = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const { cwd, argv } = command(service, options.from ?? 'source');
  const child = spawn(process.execPath, [...argv, ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...LOOPBACK_ENV, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.startTimeoutMs ?? 10_000);
  const [code] = await once(child, 'exit');
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
