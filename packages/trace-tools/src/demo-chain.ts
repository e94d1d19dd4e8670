import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Sidecar, startSidecar } from '@meshtrace/harness';
import { request } from 'undici';
import type { LoopMode } from './demo-args.ts';
import { type MeshProvider, PROPAGATORS_FOR } from './mesh-providers.ts';

/** The repo checkout this file lives in: packages/trace-tools/{src,dist}/ → ../../../ */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Span export every 200 ms, so traces show up quickly. */
const BATCH_DELAY_MS = '200';
/** What each child gets to shut down; stop() waits a little longer, then kills. */
const CHILD_SHUTDOWN_MS = 5_000;
/**
 * Ctrl-C signals every child at once, not frontend first: a backend keeps serving this long
 * (SHUTDOWN_DELAY_MS) while the frontend's last tick finishes, so that tick is not cut off
 * halfway down the chain. Through the sidecars of --mesh a tick takes several hops longer.
 */
const BACKEND_SHUTDOWN_DELAY_MS = 1_000;
/**
 * How long `starting` services, started together, get to answer /readyz. Each loads Node and the
 * SDK (about a second of CPU here), so on two busy cores a longer chain needs longer.
 */
export const startupDeadlineMs = (starting: number): number => 10_000 + 5_000 * starting;
/** Log lines kept per child, shown if it dies unexpectedly. */
const KEPT_LINES = 20;

export interface ChainOptions {
  readonly backends: number;
  readonly mode: LoopMode;
  readonly intervalMs: number;
  readonly propagationOff: boolean;
  /** The frontend's port (unset: any free port). */
  readonly frontendPort?: number;
  /** OTEL_EXPORTER_ZIPKIN_ENDPOINT for every service. */
  readonly zipkinUrl: string;
  /** When set, every service exports OTLP/HTTP here instead (OTEL_TRACES_EXPORTER=otlp). */
  readonly otlpUrl?: string;
  /** Called when a child exits before stop(), with its last log lines. */
  readonly onUnexpectedExit?: (name: string, code: number | null, lastLines: readonly string[]) => void;
  /** A simulated Envoy sidecar before and after each hop (envoy-sidecar.ts), as in an Istio mesh. */
  readonly mesh?: MeshOptions;
  /** More environment for the frontend, e.g. LOOP_FORCE_SAMPLING. */
  readonly loopEnv?: Readonly<Record<string, string>>;
}

export interface MeshOptions {
  readonly provider: MeshProvider;
  /** Istio's randomSamplingPercentage for every sidecar, 0 to 100. */
  readonly samplingPercent: number;
  /** OTEL_PROPAGATORS for every app; default: the value documented for the provider (PROPAGATORS_FOR). */
  readonly propagators?: string;
}

export interface ChainMember {
  /** Its service.name: frontend, backend, backend-2, … */
  readonly name: string;
  readonly url: string;
  readonly pid: number | undefined;
}

export interface StopResult {
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Chain {
  /** Frontend first, then the backends in call order. */
  readonly members: readonly ChainMember[];
  /** The simulated sidecars, in call order (empty without `mesh`). */
  readonly sidecars: readonly Sidecar[];
  /** SIGTERM to the frontend, then to the backends; SIGKILL for any still running after the deadline. */
  stop(): Promise<StopResult[]>;
}

interface Running extends ChainMember {
  readonly child: ChildProcess;
  readonly exit: Promise<StopResult>;
  readonly lines: string[];
}

/** A free loopback port. The tiny race until the child binds it is acceptable for a demo and tests. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function keepLines(stream: NodeJS.ReadableStream | null, lines: string[]): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
    lines.splice(0, Math.max(0, lines.length - KEPT_LINES));
  });
}

function startService(dir: 'frontend' | 'backend', name: string, port: number, env: Record<string, string>): Running {
  const cwd = `${REPO_ROOT}services/${dir}`;
  if (!existsSync(`${cwd}/src/server.ts`)) throw new Error(`cannot find ${cwd}/src/server.ts`);
  // Run from source (the `source` export condition) so the demo needs no build.
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', '@meshtrace/tracing/register', 'src/server.ts'],
    {
      cwd,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        // The admin listener on a free port too: three services share this host's loopback.
        ADMIN_PORT: '0',
        OTEL_SERVICE_NAME: name,
        OTEL_BSP_SCHEDULE_DELAY: BATCH_DELAY_MS,
        SHUTDOWN_TIMEOUT_MS: String(CHILD_SHUTDOWN_MS),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  keepLines(child.stdout, lines);
  keepLines(child.stderr, lines);
  const exit = new Promise<StopResult>((resolve) => {
    child.once('exit', (code, signal) => resolve({ name, code, signal }));
  });
  return { name, url: `http://127.0.0.1:${port}/`, pid: child.pid, child, exit, lines };
}

/** Its last lines of output, or what it means that there are none. */
function lastLines(member: Running, exited: boolean): string {
  if (member.lines.length > 0) return `; its last lines:\n${member.lines.map((l) => `  ${l}`).join('\n')}`;
  return exited
    ? ', and printed nothing'
    : ': it printed nothing yet (a busy machine starts slowly: try again, or fewer --backends)';
}

/** Resolves once `/readyz` answers 200; rejects, saying why, if the child exits or the deadline passes. */
async function waitReady(member: Running, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let exit: StopResult | undefined;
  void member.exit.then((result) => {
    exit = result;
  });
  while (Date.now() < deadline && !exit) {
    try {
      const { statusCode, body } = await request(new URL('/readyz', member.url), { headersTimeout: 1_000 });
      await body.dump();
      if (statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const what = exit
    ? `exited (${exit.code === null ? exit.signal : `code ${exit.code}`}) before it became ready`
    : `did not become ready within ${deadlineMs / 1000} s`;
  throw new Error(`${member.name} ${what}${lastLines(member, exit !== undefined)}`);
}

async function stopAll(members: readonly Running[]): Promise<StopResult[]> {
  const stopOne = async (member: Running) => {
    if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill('SIGTERM');
    const timer = setTimeout(() => member.child.kill('SIGKILL'), CHILD_SHUTDOWN_MS + 2_000);
    const result = await member.exit;
    clearTimeout(timer);
    return result;
  };
  const [frontend, ...backends] = members;
  // The frontend first: its last tick finishes against live backends and every span still gets exported.
  const first = frontend ? [await stopOne(frontend)] : [];
  return [...first, ...(await Promise.all(backends.map(stopOne)))];
}

/**
 * Starts backend → backend-2 → … and the frontend loop as child processes on
 * 127.0.0.1, every one exporting to `zipkinUrl` (or `otlpUrl`). Resolves once all are ready.
 */
export async function startChain(options: ChainOptions): Promise<Chain> {
  const names = Array.from({ length: options.backends }, (_, i) => (i === 0 ? 'backend' : `backend-${i + 1}`));
  const exportTo = options.otlpUrl
    ? { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: options.otlpUrl }
    : { OTEL_EXPORTER_ZIPKIN_ENDPOINT: options.zipkinUrl };
  const ports = await Promise.all(names.map(() => freePort()));
  ports.push(options.frontendPort ?? (await freePort()));
  const appUrl = (i: number) => `http://127.0.0.1:${ports[i]}/`;
  const sidecars = options.mesh ? await meshFor(names, appUrl, options.mesh, options.zipkinUrl) : undefined;
  // Who calls backend i: the caller's outbound sidecar in a mesh, else the backend itself.
  const url = (i: number) => sidecars?.callTo[i]?.url ?? appUrl(i);
  const meshEnv = options.mesh
    ? { OTEL_PROPAGATORS: options.mesh.propagators ?? PROPAGATORS_FOR[options.mesh.provider] }
    : {};
  const members: Running[] = [];
  let stopping = false;
  const watch = (member: Running) => {
    void member.exit.then((result) => {
      if (!stopping) options.onUnexpectedExit?.(member.name, result.code, member.lines);
    });
    return member;
  };
  try {
    const backends = names.map((name, i) =>
      watch(
        startService('backend', name, ports[i] ?? 0, {
          ...exportTo,
          DOWNSTREAM_URLS: i + 1 < names.length ? url(i + 1) : '',
          PROPAGATION: options.propagationOff && i === 0 ? 'off' : 'on',
          SHUTDOWN_DELAY_MS: String(BACKEND_SHUTDOWN_DELAY_MS),
          ...meshEnv,
        }),
      ),
    );
    members.push(...backends);
    await Promise.all(backends.map((backend) => waitReady(backend, startupDeadlineMs(backends.length))));
    // The frontend last: its loop starts at once, and its first tick should find the backends up.
    const frontend = watch(
      startService('frontend', 'frontend', ports[names.length] ?? 0, {
        ...exportTo,
        TARGET_URL: url(0),
        LOOP_MODE: options.mode,
        LOOP_INTERVAL_MS: String(options.intervalMs),
        ...meshEnv,
        ...options.loopEnv,
      }),
    );
    members.unshift(frontend);
    await waitReady(frontend, startupDeadlineMs(1));
  } catch (error) {
    stopping = true;
    await stopAll(members);
    await Promise.all(sidecars?.all.map((sidecar) => sidecar.close()) ?? []);
    throw error;
  }
  return {
    members: members.map(({ name, url, pid }) => ({ name, url, pid })),
    sidecars: sidecars?.all ?? [],
    async stop() {
      stopping = true;
      const stopped = await stopAll(members);
      // After the apps: their last requests went through the sidecars, whose spans are then flushed.
      await Promise.all(sidecars?.all.map((sidecar) => sidecar.close()) ?? []);
      return stopped;
    },
  };
}

/**
 * One inbound sidecar in front of each backend, and one outbound sidecar for
 * each caller (the frontend, and each backend but the last) pointing at its
 * callee's inbound one: `callTo[i]` is what backend i's caller calls.
 */
async function meshFor(
  names: readonly string[],
  appUrl: (i: number) => string,
  mesh: MeshOptions,
  zipkinUrl: string,
): Promise<{ callTo: Sidecar[]; all: Sidecar[] }> {
  const common = { tracer: mesh.provider, samplingPercent: mesh.samplingPercent, zipkinUrl };
  const inbound = await Promise.all(
    names.map((name, i) =>
      startSidecar({ ...common, app: name, direction: 'inbound', upstream: appUrl(i), upstreamApp: name }),
    ),
  );
  const callers = ['frontend', ...names.slice(0, -1)];
  const callTo = await Promise.all(
    callers.map((caller, i) =>
      startSidecar({
        ...common,
        app: caller,
        direction: 'outbound',
        upstream: inbound[i]?.url ?? '',
        upstreamApp: names[i] ?? '',
      }),
    ),
  );
  return { callTo, all: [...callTo, ...inbound] };
}
