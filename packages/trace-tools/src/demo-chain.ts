import { once } from 'node:events';
import { createServer } from 'node:net';
import {
  type ServiceName,
  type ServiceProcess,
  type Sidecar,
  startAll,
  startService,
  startSidecar,
} from '@meshtrace/harness';
import type { LoopMode } from './demo-args.ts';
import { type MeshProvider, PROPAGATORS_FOR } from './mesh-providers.ts';

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
 * How long `starting` services, started together, get to listen. Each loads Node and the
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

interface Running {
  /** Its service.name: backend-2 runs the backend's code. */
  readonly name: string;
  readonly service: ServiceProcess;
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

/** The demo's own environment (PATH, NODE_OPTIONS, a proxy…) reaches every child. */
function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * One service of the chain, from source (the `source` export condition, so the demo needs no
 * build), resolving once it listens: the harness's starter, as the tests use it.
 */
function startMember(
  dir: ServiceName,
  name: string,
  port: number,
  starting: number,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  return startService(dir, {
    env: {
      ...inheritedEnv(),
      HOST: '127.0.0.1',
      PORT: String(port),
      // The admin listener on a free port too: three services share this host's loopback.
      ADMIN_PORT: '0',
      // The starter learns that a service listens from its info-level "listening" line.
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: name,
      OTEL_BSP_SCHEDULE_DELAY: BATCH_DELAY_MS,
      SHUTDOWN_TIMEOUT_MS: String(CHILD_SHUTDOWN_MS),
      ...env,
    },
    startTimeoutMs: startupDeadlineMs(starting),
    keepLines: KEPT_LINES,
    killAfterMs: CHILD_SHUTDOWN_MS + 2_000,
  });
}

const lastLinesOf = (member: Running) =>
  member.service
    .output()
    .split('\n')
    .filter((line) => line !== '');

async function stopAll(members: readonly Running[]): Promise<StopResult[]> {
  const stopOne = async ({ name, service }: Running): Promise<StopResult> => {
    const code = await service.stop();
    return { name, code, signal: service.child.signalCode };
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
    void member.service.exited.then((code) => {
      if (!stopping) options.onUnexpectedExit?.(member.name, code, lastLinesOf(member));
    });
  };
  try {
    // All backends at once; if one fails to start, startAll stops the others before rethrowing.
    const backends = await startAll(
      names.map((name, i) =>
        startMember('backend', name, ports[i] ?? 0, names.length, {
          ...exportTo,
          DOWNSTREAM_URLS: i + 1 < names.length ? url(i + 1) : '',
          PROPAGATION: options.propagationOff && i === 0 ? 'off' : 'on',
          SHUTDOWN_DELAY_MS: String(BACKEND_SHUTDOWN_DELAY_MS),
          ...meshEnv,
        }),
      ),
    );
    members.push(...backends.map((service, i) => ({ name: names[i] ?? '', service })));
    // The frontend last: its loop starts at once, and its first tick should find the backends up.
    const frontend = await startMember('frontend', 'frontend', ports[names.length] ?? 0, 1, {
      ...exportTo,
      TARGET_URL: url(0),
      LOOP_MODE: options.mode,
      LOOP_INTERVAL_MS: String(options.intervalMs),
      ...meshEnv,
      ...options.loopEnv,
    });
    members.unshift({ name: 'frontend', service: frontend });
    for (const member of members) watch(member);
  } catch (error) {
    stopping = true;
    await stopAll(members);
    await Promise.all(sidecars?.all.map((sidecar) => sidecar.close()) ?? []);
    throw error;
  }
  return {
    members: members.map(({ name, service }) => ({ name, url: `${service.url}/`, pid: service.child.pid })),
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
