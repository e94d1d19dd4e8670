import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { B3_SINGLE } from './constants.ts';
import type { ExportCounters } from './export-stats.ts';
import { CountingExporter, createResilientZipkinExporter } from './resilient-exporter.ts';
import { parseResourceAttributes } from './service-identity.ts';
import type { TracingSettings } from './settings.ts';

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
      // As on the Zipkin upload (resilient-exporter.ts): a zipkin-traced proxy in the path does not trace it.
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
  switch (settings.exporter) {
    case 'none':
      return undefined;
    case 'zipkin':
      return createResilientZipkinExporter(
        { url: settings.zipkinEndpoint, timeoutMs: Math.min(settings.zipkinTimeoutMs, settings.exportTimeoutMs) },
        counters,
      );
    case 'otlp': {
      const { protocol, ...options } = otlpOptions(settings);
      const exporter = protocol === 'http/json' ? new OtlpJsonExporter(options) : new OtlpProtoExporter(options);
      return new CountingExporter(exporter, counters);
    }
  }
}
