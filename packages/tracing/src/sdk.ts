import type { NodeSDK } from '@opentelemetry/sdk-node';
import { ExportCounters, type ExportStats } from './export-stats.ts';
import type { TracingSettings } from './settings.ts';

/**
 * The SDK's lifecycle, without the SDK: `@opentelemetry/sdk-node` (about 290 ms
 * and 18 MiB at start-up, docs/benchmarks.md) is imported by startTracing() only
 * when tracing is enabled. With OTEL_SDK_DISABLED=true the plugin and client
 * helper run against the API's no-op globals.
 */

let sdk: NodeSDK | undefined;
let shutdownPromise: Promise<void> | undefined;
const counters = new ExportCounters();

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
  if (settings.disabled || sdk) return;
  const { startNodeSdk } = await import('./sdk-start.ts');
  sdk ??= startNodeSdk(settings, counters);
  counters.startReporting(LOSS_REPORT_INTERVAL_MS);
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
  let gaveUp: () => void = () => {};
  const givenUp = new Promise<void>((resolve) => {
    gaveUp = resolve;
  });
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
