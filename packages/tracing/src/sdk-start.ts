import { type DiagLogger, DiagLogLevel, diag, type Exception, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { SpanExportError } from './errors.ts';
import { B3_SINGLE } from './headers.ts';
import { createPropagator, createSampler } from './propagation.ts';
import type { ExportCounters } from './sdk.ts';
import { parseResourceAttributes, type TracingSettings } from './settings.ts';
import { createZipkinExporter, debugSpanProcessor } from './zipkin-upload.ts';

/**
 * The OpenTelemetry SDK as this package runs it, loaded by sdk.ts only when
 * tracing is enabled: the exporter OTEL_TRACES_EXPORTER names behind a bounded
 * batch processor, every span counted as exported, failed or dropped, our
 * propagator and sampler, and the SDK's diagnostics as JSON lines on stderr.
 */

// --- The SDK's diagnostics ---------------------------------------------------------
/** OTEL_LOG_LEVEL's values are DiagLogLevel's names, in lower case. */
const diagLevel = (name: string): DiagLogLevel =>
  DiagLogLevel[name.toUpperCase() as keyof typeof DiagLogLevel] ?? DiagLogLevel.WARN;

/** The batch processor warns each time its queue recovers from drops; those drops are in the summary line instead. */
const BSP_DROP_WARNING = /^Dropped \d+ spans because maxQueueSize reached$/;

function writer(level: string) {
  return (message: string, ...args: unknown[]) => {
    if (BSP_DROP_WARNING.test(message)) return;
    const detail = args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
    const line = { level, time: new Date().toISOString(), component: 'opentelemetry', msg: message, detail };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
}

/**
 * The SDK's own diagnostics as JSON lines on stderr, so a failed export (the
 * Zipkin exporter is silent otherwise) shows up next to the service's logs.
 */
const diagLogger: DiagLogger = {
  error: writer('error'),
  warn: writer('warn'),
  info: writer('info'),
  debug: writer('debug'),
  verbose: writer('trace'),
};

// --- Exporters, counted ----------------------------------------------------------

/** A failure in the catalogue's terms: counted and summarised, never logged per batch (sdk-start.ts). */
function asExportError(error: Error | undefined): SpanExportError {
  if (error instanceof SpanExportError) return error;
  // The OTLP exporters' OTLPExporterError carries the HTTP status as a numeric `code`.
  const status = (error as { code?: unknown } | undefined)?.code;
  return new SpanExportError(
    typeof status === 'number' ? `collector answered ${status}` : (error?.message ?? 'unknown'),
  );
}

/** `inner`, counting each batch's spans as exported or failed, by the exporter's own verdict. */
export function countExports(inner: SpanExporter, counters: ExportCounters): SpanExporter {
  return {
    export(spans, resultCallback) {
      counters.queued -= spans.length;
      counters.inFlight += spans.length;
      inner.export(spans, (result) => {
        const ok = result.code === ExportResultCode.SUCCESS;
        const error = ok ? undefined : asExportError(result.error);
        // After shutdown gave up, these spans were already counted as lost.
        if (!counters.abandoned) {
          counters.inFlight -= spans.length;
          if (ok) counters.exported += spans.length;
          else counters.failed += spans.length;
          counters.noteError(error);
        }
        resultCallback(error ? { code: ExportResultCode.FAILED, error } : result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * `inner`, a BatchSpanProcessor, counting the spans it drops when its queue is
 * full. It mirrors the queue's length (sampled spans in, minus spans handed to
 * the exporter) because the processor keeps its own count private and resets it.
 */
export function countDrops(inner: SpanProcessor, maxQueueSize: number, counters: ExportCounters): SpanProcessor {
  let closed = false;
  return {
    onStart: (span, parentContext) => inner.onStart(span, parentContext),
    onEnd(span) {
      if (!closed && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) {
        if (counters.queued >= maxQueueSize) counters.dropped++;
        else counters.queued++;
      }
      inner.onEnd(span);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown() {
      closed = true;
      return inner.shutdown();
    },
  };
}

/** The OTLP exporters' options: their public constructor argument, read from the installed `.d.ts`. */
type OtlpOptions = NonNullable<ConstructorParameters<typeof OtlpProtoExporter>[0]>;

/** Where OTLP/HTTP takes traces, relative to OTEL_EXPORTER_OTLP_ENDPOINT (the spec's signal path). */
const OTLP_TRACES_PATH = 'v1/traces';

/**
 * The OTLP exporter's options from the validated settings, each
 * `OTEL_EXPORTER_OTLP_TRACES_*` variable winning over its general form, as the
 * spec says. Explicit options win over the exporter's own reading of the
 * environment, so what runs is what was validated. Pure.
 */
export function otlpOptions(settings: TracingSettings): OtlpOptions & { readonly protocol: string } {
  // The spec: the general endpoint is a base URL to which `v1/traces` is appended; the per-signal one is used as is.
  const base = settings.otlpEndpoint.endsWith('/') ? settings.otlpEndpoint : `${settings.otlpEndpoint}/`;
  const timeoutMs = Number(settings.otlpTracesTimeoutMs.trim() || settings.otlpTimeoutMs);
  return {
    url: settings.otlpTracesEndpoint.trim() || `${base}${OTLP_TRACES_PATH}`,
    protocol: settings.otlpTracesProtocol.trim().toLowerCase() || settings.otlpProtocol,
    headers: {
      ...parseResourceAttributes(settings.otlpHeaders),
      ...parseResourceAttributes(settings.otlpTracesHeaders),
      // As on the Zipkin upload (zipkin-upload.ts): a zipkin-traced proxy in the path does not trace it.
      [B3_SINGLE]: '0',
    },
    // Retries of a refused or 429/502/503/504 answer happen within this budget, never after it.
    timeoutMillis: Math.min(timeoutMs, settings.exportTimeoutMs),
    // The option is a string enum of the same two values ('none', 'gzip') that the setting accepts.
    compression: (settings.otlpTracesCompression.trim().toLowerCase() || settings.otlpCompression) as NonNullable<
      OtlpOptions['compression']
    >,
  };
}

/**
 * The exporter OTEL_TRACES_EXPORTER names, counting what it delivers and
 * loses; undefined for `none` (spans are still sampled and propagated, never
 * exported). Zipkin: the reference transform with a timeout of our own on each
 * POST. OTLP: the upstream exporter as it is, through its public options; it
 * has its own timeout.
 */
export function createSpanExporter(settings: TracingSettings, counters: ExportCounters): SpanExporter | undefined {
  if (settings.exporter === 'none') return undefined;
  if (settings.exporter === 'zipkin') {
    const timeoutMs = Math.min(settings.zipkinTimeoutMs, settings.exportTimeoutMs);
    return countExports(createZipkinExporter({ url: settings.zipkinEndpoint, timeoutMs }), counters);
  }
  const { protocol, ...options } = otlpOptions(settings);
  const OtlpExporter = protocol === 'http/json' ? OtlpJsonExporter : OtlpProtoExporter;
  return countExports(new OtlpExporter(options), counters);
}

// --- The SDK ----------------------------------------------------------------------

/** The batch processor's own export timer only backs up the request timeout, which must fire first to be counted. */
const EXPORT_TIMEOUT_MARGIN_MS = 1000;

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
    ...(settings.exporter === 'zipkin' ? [debugSpanProcessor] : []),
    // The queue stays bounded (OTEL_BSP_MAX_QUEUE_SIZE): a dead collector costs dropped spans, not memory.
    countDrops(
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
 * (createSpanExporter above) behind a batch processor, parent-based sampling, our
 * propagators, and no metrics, logs or auto-instrumentation (the plugin and
 * client helper record spans explicitly). Loaded by sdk.ts only when tracing
 * is enabled.
 */
export function startNodeSdk(settings: TracingSettings, counters: ExportCounters): NodeSDK {
  const sdk = new NodeSDK({
    // The resource, not ZipkinExporter's serviceName option, decides the name Zipkin and Jaeger show.
    // OTEL_RESOURCE_ATTRIBUTES was read with the identity (settings.ts), not again by a detector.
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
