import { diag } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import {
  type Environment,
  type IdentityDefaults,
  loadServiceIdentity,
  type ServiceIdentity,
  type TracingSettings,
} from './settings.ts';

/**
 * The SDK's lifecycle, without the SDK: `@opentelemetry/sdk-node` (about 290 ms
 * and 18 MiB at start-up, docs/benchmarks.md) is imported by startTracing() only
 * when tracing is enabled. With OTEL_SDK_DISABLED=true the plugin and client
 * helper run against the API's no-op globals.
 */

/** Spans this process has handed to the collector, lost to export errors, or dropped on a full queue. */
export interface ExportStats {
  readonly exported: number;
  readonly failed: number;
  readonly dropped: number;
}

/**
 * Running span counts, plus the one summary line that reports losses: a dead
 * collector must not print a line per batch (or per span) into the logs.
 */
export class ExportCounters {
  exported = 0;
  failed = 0;
  dropped = 0;
  /** Spans waiting in the batch processor's queue, as countDrops() (sdk-start.ts) mirrors it. */
  queued = 0;
  /** Spans handed to the exporter whose request has not finished yet. */
  inFlight = 0;
  /** Set once shutdown has given up: answers arriving later are not counted twice. */
  abandoned = false;
  private reported = { failed: 0, dropped: 0 };
  private timer: NodeJS.Timeout | undefined;
  private lastError = '';

  snapshot(): ExportStats {
    return { exported: this.exported, failed: this.failed, dropped: this.dropped };
  }

  /** Remembers the latest export error, for the next summary line. */
  noteError(error: Error | undefined): void {
    if (error) this.lastError = error.message;
  }

  /** Counts every span still queued or in flight as failed: nothing will deliver them now. */
  abandon(reason: string): void {
    if (this.abandoned) return;
    this.abandoned = true;
    const lost = this.queued + this.inFlight;
    if (lost === 0) return;
    this.failed += lost;
    this.queued = 0;
    this.inFlight = 0;
    this.lastError = reason;
  }

  /** Logs a summary every intervalMs, only when spans were lost since the last one. The timer never keeps the process alive. */
  startReporting(intervalMs: number): void {
    this.timer ??= setInterval(() => this.report(), intervalMs).unref();
  }

  /** Stops the timer and logs whatever was lost since the last summary. */
  stopReporting(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.report();
  }

  report(): void {
    const failed = this.failed - this.reported.failed;
    const dropped = this.dropped - this.reported.dropped;
    if (failed === 0 && dropped === 0) return;
    this.reported = { failed: this.failed, dropped: this.dropped };
    diag.warn(
      `span export losses: ${failed} failed, ${dropped} dropped since the last report` +
        ` (totals: ${this.exported} exported, ${this.failed} failed, ${this.dropped} dropped)`,
      this.lastError ? `last error: ${this.lastError}` : '',
    );
  }
}

let sdk: NodeSDK | undefined;
let shutdownPromise: Promise<void> | undefined;
const counters = new ExportCounters();
/** Who this process is, as register.ts resolved it from OTEL_* once, tracing on or off. */
let identity: ServiceIdentity | undefined;

/** How often lost spans are summarised in one log line (only when some were lost). */
const LOSS_REPORT_INTERVAL_MS = 10_000;

/** Spans exported, failed (export errors) and dropped (queue full) by this process so far. */
export function exportStats(): ExportStats {
  return counters.snapshot();
}

/**
 * Loads and starts the OpenTelemetry SDK (sdk-start.ts) unless
 * OTEL_SDK_DISABLED=true, in which case nothing of the SDK is loaded.
 */
export async function startTracing(settings: TracingSettings): Promise<void> {
  identity ??= settings.identity;
  if (settings.disabled || sdk) return;
  const { startNodeSdk } = await import('./sdk-start.ts');
  sdk ??= startNodeSdk(settings, counters);
  counters.startReporting(LOSS_REPORT_INTERVAL_MS);
}

/**
 * Who this process is (spans, logs, `X-App-*` headers, metrics): the identity
 * startTracing() was given, resolved once by register.ts. A process started
 * without it (a test, an app that starts no SDK) resolves it here, from `env`.
 * @throws {InvalidSettingsError} for an invalid OTEL_RESOURCE_ATTRIBUTES.
 */
export function serviceIdentity(env: Environment, defaults: IdentityDefaults): ServiceIdentity {
  return identity ?? loadServiceIdentity(env, defaults);
}

/** True once startTracing() has installed an SDK. */
export function isTracingStarted(): boolean {
  return sdk !== undefined;
}

/**
 * Flushes queued spans and shuts the SDK down, and resolves with the process's
 * final span counts. It never rejects: a collector that refuses, fails or hangs
 * is not a reason for the service to exit non-zero. Spans it could not deliver
 * are counted and reported in the loss summary, one `warn` line. NodeSDK's
 * shutdown has no deadline of its own: callers pass their shutdown deadline as
 * `deadline`, and when it aborts (or has already), whatever is still queued or
 * in flight is counted as lost and reported at once.
 */
export function shutdownTracing(deadline?: AbortSignal): Promise<ExportStats> {
  if (!sdk) return Promise.resolve(counters.snapshot());
  const { promise: givenUp, resolve: gaveUp } = Promise.withResolvers<void>();
  const giveUp = (reason: string) => {
    counters.abandon(reason);
    counters.stopReporting();
    gaveUp();
  };
  const onDeadline = () => giveUp('shutdown deadline reached before the collector answered');
  if (deadline?.aborted) onDeadline();
  else deadline?.addEventListener('abort', onDeadline, { once: true });
  // A failed export was already counted by the exporter; the rejection only repeats it.
  shutdownPromise ??= sdk.shutdown().then(
    () => giveUp('not exported before shutdown'),
    (error: Error) => giveUp(error.message),
  );
  return Promise.race([shutdownPromise, givenUp]).then(() => counters.snapshot());
}
