import { type DiagLogger, diag, type Exception } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { DebugSpanProcessor } from './debug-spans.ts';
import { diagLevel, jsonDiagLogger } from './diag-logger.ts';
import { SpanExportError } from './errors.ts';
import { ExportCounters, type ExportStats } from './export-stats.ts';
import { createPropagator } from './propagation.ts';
import { createResilientZipkinExporter, DropCountingProcessor } from './resilient-exporter.ts';
import { createSampler } from './sampler.ts';
import type { TracingSettings } from './settings.ts';

let sdk: NodeSDK | undefined;
let shutdownPromise: Promise<void> | undefined;
const counters = new ExportCounters();

/** How often lost spans are summarised in one log line (only when some were lost). */
const LOSS_REPORT_INTERVAL_MS = 10_000;
/** The batch processor's own export timer only backs up the request timeout, which must fire first to be counted. */
const EXPORT_TIMEOUT_MARGIN_MS = 1000;

/** Spans exported, failed (export errors) and dropped (queue full) by this process so far. */
export function exportStats(): ExportStats {
  return counters.snapshot();
}

/** The batch processor warns each time its queue recovers from drops; those drops are in the summary line instead. */
const BSP_DROP_WARNING = /^Dropped \d+ spans because maxQueueSize reached$/;
const diagLogger: DiagLogger = {
  ...jsonDiagLogger,
  warn: (message, ...args) => {
    if (!BSP_DROP_WARNING.test(message)) jsonDiagLogger.warn(message, ...args);
  },
};

/** Failed batches are counted and summarised; the default handler would log each one. */
function reportUncountedErrors(error: Exception): void {
  if (error instanceof SpanExportError) return;
  loggingErrorHandler()(error);
}

/**
 * Starts the OpenTelemetry SDK: Zipkin exporter behind a batch processor,
 * parent-based sampling, our propagators, and no metrics, logs or
 * auto-instrumentation (the plugin and client helper record spans explicitly).
 * Does nothing when OTEL_SDK_DISABLED=true.
 */
export function startTracing(settings: TracingSettings): void {
  if (settings.disabled || sdk) return;
  const exporter = createResilientZipkinExporter(
    { url: settings.zipkinEndpoint, timeoutMs: Math.min(settings.zipkinTimeoutMs, settings.exportTimeoutMs) },
    counters,
  );
  sdk = new NodeSDK({
    // The resource, not ZipkinExporter's serviceName option, decides the name Zipkin and Jaeger show.
    // OTEL_RESOURCE_ATTRIBUTES was read with the identity (service-identity.ts), not again by a detector.
    resource: resourceFromAttributes(settings.identity.attributes),
    autoDetectResources: false,
    sampler: createSampler(settings),
    textMapPropagator: createPropagator(settings.propagators),
    spanProcessors: [
      // First, so a span is marked before the batch processor can export it.
      new DebugSpanProcessor(),
      // The queue stays bounded (OTEL_BSP_MAX_QUEUE_SIZE): a dead collector costs dropped spans, not memory.
      new DropCountingProcessor(
        new BatchSpanProcessor({
          exporter,
          scheduledDelayMillis: settings.batchDelayMs,
          maxQueueSize: settings.batchQueueSize,
          maxExportBatchSize: Math.min(settings.batchSize, settings.batchQueueSize),
          exportTimeoutMillis: settings.exportTimeoutMs + EXPORT_TIMEOUT_MARGIN_MS,
        }),
        settings.batchQueueSize,
        counters,
      ),
    ],
    instrumentations: [],
    // Empty arrays, not omissions: NodeSDK otherwise starts OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // After NodeSDK, which installs a plain-text console logger of its own.
  diag.setLogger(diagLogger, { logLevel: diagLevel(settings.logLevel), suppressOverrideMessage: true });
  setGlobalErrorHandler(reportUncountedErrors);
  counters.startReporting(LOSS_REPORT_INTERVAL_MS);
}

/** True once startTracing() has installed an SDK. */
export function isTracingStarted(): boolean {
  return sdk !== undefined;
}

/**
 * Flushes queued spans and shuts the SDK down. It never rejects: a collector
 * that refuses, fails or hangs is not a reason for the service to exit non-zero.
 * Spans it could not deliver are counted and reported in the loss summary, one
 * `warn` line. NodeSDK's shutdown has no deadline of its own: callers pass
 * their shutdown deadline as `deadline`, and when it aborts, whatever is still
 * queued or in flight is counted as lost and reported at once.
 */
export function shutdownTracing(deadline?: AbortSignal): Promise<void> {
  if (!sdk) return Promise.resolve();
  const giveUp = (reason: string) => {
    counters.abandon(reason);
    counters.stopReporting();
  };
  deadline?.addEventListener('abort', () => giveUp('shutdown deadline reached before the collector answered'), {
    once: true,
  });
  // A failed export was already counted by the exporter; the rejection only repeats it.
  shutdownPromise ??= sdk.shutdown().then(
    () => giveUp('not exported before shutdown'),
    (error: Error) => giveUp(error.message),
  );
  return shutdownPromise;
}
