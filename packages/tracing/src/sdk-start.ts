import { type DiagLogger, diag, type Exception } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { DebugSpanProcessor } from './debug-spans.ts';
import { diagLevel, jsonDiagLogger } from './diag-logger.ts';
import { SpanExportError } from './errors.ts';
import type { ExportCounters } from './export-stats.ts';
import { createSpanExporter } from './exporter.ts';
import { createPropagator } from './propagation.ts';
import { DropCountingProcessor } from './resilient-exporter.ts';
import { createSampler } from './sampler.ts';
import type { TracingSettings } from './settings.ts';

/** The batch processor's own export timer only backs up the request timeout, which must fire first to be counted. */
const EXPORT_TIMEOUT_MARGIN_MS = 1000;

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

/** The processors in front of the exporter: none at all for OTEL_TRACES_EXPORTER=none. */
function spanProcessors(settings: TracingSettings, counters: ExportCounters): SpanProcessor[] {
  const exporter = createSpanExporter(settings, counters);
  if (!exporter) return [];
  return [
    // Only Zipkin has a field for B3 debug; first, so a span is marked before the batch processor can export it.
    ...(settings.exporter === 'zipkin' ? [new DebugSpanProcessor()] : []),
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
  ];
}

/**
 * Starts the OpenTelemetry SDK: the exporter OTEL_TRACES_EXPORTER names
 * (exporter.ts) behind a batch processor, parent-based sampling, our
 * propagators, and no metrics, logs or auto-instrumentation (the plugin and
 * client helper record spans explicitly). Loaded by sdk.ts only when tracing
 * is enabled.
 */
export function startNodeSdk(settings: TracingSettings, counters: ExportCounters): NodeSDK {
  const sdk = new NodeSDK({
    // The resource, not ZipkinExporter's serviceName option, decides the name Zipkin and Jaeger show.
    // OTEL_RESOURCE_ATTRIBUTES was read with the identity (service-identity.ts), not again by a detector.
    resource: resourceFromAttributes(settings.identity.attributes),
    autoDetectResources: false,
    sampler: createSampler(settings),
    // Over NodeSDK's own reading of OTEL_*_ATTRIBUTE_VALUE_LENGTH_LIMIT: ours has a default (256).
    spanLimits: { attributeValueLengthLimit: settings.attributeValueLengthLimit },
    textMapPropagator: createPropagator(settings.propagators),
    spanProcessors: spanProcessors(settings, counters),
    instrumentations: [],
    // Empty arrays, not omissions: NodeSDK otherwise starts OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // After NodeSDK, which installs a plain-text console logger of its own.
  diag.setLogger(diagLogger, { logLevel: diagLevel(settings.logLevel), suppressOverrideMessage: true });
  setGlobalErrorHandler(reportUncountedErrors);
  return sdk;
}
