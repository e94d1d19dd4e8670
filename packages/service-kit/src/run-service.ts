import { setTimeout as sleep } from 'node:timers/promises';
import { MeshtraceError } from '@meshtrace/tracing/settings';
import type { FastifyInstance } from 'fastify';
import type { Logger } from './logger.ts';
import { type ShutdownStep, shutdownInOrder } from './shutdown.ts';

/**
 * The only code that touches `process`: entry points (`server.ts`) call these.
 * Apps themselves are built by `buildApp()` functions that tests can use directly.
 */

/**
 * Prints why start-up failed and exits 1. Never returns. A known error prints its own
 * lines only (one per invalid setting or flag, no stack): that is all the user needs.
 */
export function exitOnStartupError(error: unknown): never {
  const text = error instanceof MeshtraceError ? error.message : `start-up failed: ${String(error)}`;
  process.stderr.write(`${text}\n`);
  process.exit(1);
}

/**
 * Kubernetes removes a pod from Service endpoints only after readiness fails,
 * so readiness flips first, and the server keeps answering during the delay.
 */
export function readinessStep(app: FastifyInstance): ShutdownStep {
  return { name: 'readiness', run: () => app.readiness.markNotReady('shutting down') };
}

/** SHUTDOWN_DELAY_MS: time for endpoints and sidecars to stop sending new requests here. Cut short at the drain deadline. */
export function delayStep(delayMs: number): ShutdownStep {
  return { name: 'delay', run: (deadline) => sleep(delayMs, undefined, { signal: deadline }).catch(() => {}) };
}

/** Stop accepting, finish in-flight requests, close connections: the traffic and admin servers together. */
export function drainStep(apps: readonly (FastifyInstance | undefined)[]): ShutdownStep {
  return {
    name: 'http server',
    run: (deadline) => Promise.all(apps.map((app) => app && drain(app, deadline))).then(() => undefined),
  };
}

/**
 * Fastify's close() stops accepting, answers new requests on open connections
 * with 503 + Connection: close, and waits for in-flight ones. But Node closes
 * only the connections idle at that moment: one busy with a request stays
 * open under keep-alive after its answer, and close() would wait for the
 * client. So idle connections are closed again until the drain is done; and
 * when the drain's time is up, every connection still open is closed.
 */
async function drain(app: FastifyInstance, deadline: AbortSignal): Promise<void> {
  const closing = app.close();
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const closeAll = () => app.server.closeAllConnections();
  if (deadline.aborted) closeAll();
  else deadline.addEventListener('abort', closeAll, { once: true });
  try {
    await closing;
  } finally {
    clearInterval(sweep);
    deadline.removeEventListener('abort', closeAll);
  }
}

/** The HTTP client pool (an undici Agent): closed once its requests finish, destroyed at the drain deadline. */
export function clientPoolStep(pool: { close(): Promise<void>; destroy(): Promise<void> } | undefined): ShutdownStep {
  return {
    name: 'http client pool',
    run: async (deadline) => {
      if (!pool) return;
      if (!deadline.aborted) {
        const cut = new Promise<false>((resolve) => deadline.addEventListener('abort', () => resolve(false)));
        if (await Promise.race([pool.close().then(() => true), cut])) return;
      }
      await pool.destroy();
    },
  };
}

export interface Listener {
  readonly app: FastifyInstance;
  readonly host: string;
  readonly port: number;
}

export interface RunOptions extends Listener {
  /** The admin listener (admin.ts), if CONTROL_ROUTES=on. Listens after the traffic port. */
  readonly admin?: Listener | undefined;
  readonly log: Logger;
  /** In order: readiness, delay, drain, then client pools and span flush. */
  readonly shutdownSteps: readonly ShutdownStep[];
  readonly shutdownTimeoutMs: number;
}

/** Listens, then on SIGTERM or SIGINT runs the shutdown steps and exits (0 unless a step failed or hung). */
export async function runService(options: RunOptions): Promise<void> {
  const { log } = options;
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    // A second Ctrl-C must not fall through to Node's default handler and kill
    // the process before spans are flushed: the shutdown deadline bounds the wait.
    if (stopping) return log.warn({ signal }, 'already shutting down');
    stopping = true;
    log.info({ signal }, 'shutting down');
    const result = await shutdownInOrder(options.shutdownSteps, { timeoutMs: options.shutdownTimeoutMs, log });
    if (result.ok) log.info('shutdown complete');
    else log.error({ err: result.error }, 'shutdown incomplete');
    log.flush();
    process.exitCode = result.ok ? 0 : 1;
    // Give pino's async destination a tick to write the last lines.
    setImmediate(() => process.exit());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // One after the other: the traffic port's "listening" line comes first, as tools expect.
    for (const { app, host, port } of [options, ...(options.admin ? [options.admin] : [])])
      await app.listen({ host, port });
  } catch (error) {
    exitOnStartupError(error);
  }
}
