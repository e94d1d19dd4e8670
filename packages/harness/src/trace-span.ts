import { serviceOf, type ZipkinSpan } from './zipkin-span.ts';

export type SpanKindName = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type SpanStatus = 'ok' | 'error' | 'unset';

/**
 * One span, whichever wire format it came in (Zipkin v2 from the demo's
 * receiver, OTLP JSON from Jaeger's v3 API). Everything the tree, the
 * analysis and the renderer read, and nothing more.
 */
export interface TraceSpan {
  /** 32 lower-case hex characters (64-bit ids are left-padded, as B3 does). */
  readonly traceId: string;
  readonly spanId: string;
  /** Absent on a root span. */
  readonly parentId?: string;
  readonly service: string;
  readonly name: string;
  readonly kind: SpanKindName;
  /** Epoch microseconds. */
  readonly startUs: number;
  readonly durationUs: number;
  readonly status: SpanStatus;
  /** The called URL on a CLIENT span, when reported. */
  readonly url?: string;
  /** Envoy's `x-request-id`, which its spans carry as the `guid:x-request-id` tag. */
  readonly requestId?: string;
  /**
   * A SERVER span that started a new trace: the trace header formats its request carried all the
   * same (malformed, so they could not be continued). Only a hop's own report says this (the
   * frontend's explorer reads it); Zipkin and OTLP spans do not carry it.
   */
  readonly unreadContext?: readonly string[];
}

/** The tag Envoy puts the request's `x-request-id` in (Tracing::Tags GuidXRequestId). */
export const REQUEST_ID_TAG = 'guid:x-request-id';

/** 64-bit trace ids compare equal to their 128-bit form. */
export function normalizeTraceId(id: string): string {
  const lower = id.toLowerCase();
  return lower.length === 16 ? lower.padStart(32, '0') : lower;
}

/**
 * OpenTelemetry's Zipkin exporter reports the span status as the
 * `otel.status_code` tag and an `error` tag; Envoy sets `error` only.
 */
function zipkinStatus(tags: Readonly<Record<string, string>>): SpanStatus {
  const code = tags['otel.status_code'];
  if (code === 'ERROR' || tags.error !== undefined) return 'error';
  if (code === 'OK') return 'ok';
  return 'unset';
}

/** A Zipkin v2 span as a TraceSpan. A span without `kind` is a local (INTERNAL) one. */
export function fromZipkin(span: ZipkinSpan): TraceSpan {
  const tags = span.tags ?? {};
  const url = tags['url.full'] ?? tags['http.url'];
  const requestId = tags[REQUEST_ID_TAG];
  return {
    traceId: normalizeTraceId(span.traceId),
    spanId: span.id,
    ...(span.parentId ? { parentId: span.parentId } : {}),
    service: serviceOf(span),
    name: span.name ?? '',
    kind: span.kind ?? 'INTERNAL',
    startUs: span.timestamp ?? 0,
    durationUs: span.duration ?? 0,
    status: zipkinStatus(tags),
    ...(url ? { url } : {}),
    ...(requestId === undefined ? {} : { requestId }),
  };
}
