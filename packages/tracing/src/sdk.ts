import { diag } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { diagLevel, jsonDiagLogger } from './diag-logger.ts';
import { createPropagator } from './propagation.ts';
import { createSampler } from './sampler.ts';
import type { TracingSettings } from './settings.ts';

let sdk: NodeSDK | undefined;
let shutdownPromise: Promise<void> | undefined;

/**
 * Starts the OpenTelemetry SDK: Zipkin exporter behind a batch processor,
 * parent-based sampling, our propagators, and no metrics, logs or
 * auto-instrumentation (the plugin and client helper record spans explicitly).
 * Does nothing when OTEL_SDK_DISABLED=true.
 */
export function startTracing(settings: TracingSettings): void {
  if (settings.disabled || sdk) return;
  const exporter = new ZipkinExporter({ url: settings.zipkinEndpoint });
  sdk = new NodeSDK({
    // The resource, not ZipkinExporter's serviceName option, decides the name Zipkin and Jaeger show.
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: settings.serviceVersion,
    }),
    autoDetectResources: false,
    sampler: createSampler(settings),
    textMapPropagator: createPropagator(settings.propagators),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: settings.batchDelayMs,
        maxQueueSize: settings.batchQueueSize,
        maxExportBatchSize: Math.min(settings.batchSize, settings.batchQueueSize),
        exportTimeoutMillis: settings.exportTimeoutMs,
      }),
    ],
    instrumentations: [],
    // Empty arrays, not omissions: NodeSDK otherwise starts OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // After NodeSDK, which installs a plain-text console logger of its own.
  diag.setLogger(jsonDiagLogger, { logLevel: diagLevel(settings.logLevel), suppressOverrideMessage: true });
}

/** True once startTracing() has installed an SDK. */
export function isTracingStarted(): boolean {
  return sdk !== undefined;
}

/**
 * Flushes queued spans and shuts the SDK down. NodeSDK's shutdown has no
 * deadline of its own: callers run it inside their shutdown deadline.
 */
export function shutdownTracing(): Promise<void> {
  if (!sdk) return Promise.resolve();
  shutdownPromise ??= sdk.shutdown();
  return shutdownPromise;
}
