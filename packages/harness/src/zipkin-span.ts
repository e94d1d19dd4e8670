/**
 * Zipkin v2 span JSON, as POSTed to /api/v2/spans (zipkin2-api.yaml). Only the
 * fields this project reads; Zipkin itself accepts more.
 */
export interface ZipkinSpan {
  /** 16 or 32 lower-case hex characters. */
  readonly traceId: string;
  /** 16 hex characters. */
  readonly id: string;
  /** Absent on a root span. */
  readonly parentId?: string;
  readonly name?: string;
  readonly kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Epoch microseconds. */
  readonly timestamp?: number;
  /** Microseconds. */
  readonly duration?: number;
  readonly debug?: boolean;
  readonly shared?: boolean;
  readonly localEndpoint?: { readonly serviceName?: string; readonly ipv4?: string; readonly port?: number };
  readonly tags?: Readonly<Record<string, string>>;
}

const TRACE_ID = /^([0-9a-f]{16}|[0-9a-f]{32})$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** Zipkin's own checks on ids: the span is dropped (400) when they fail. Never throws. */
export function isZipkinSpan(value: unknown): value is ZipkinSpan {
  if (typeof value !== 'object' || value === null) return false;
  const span = value as Record<string, unknown>;
  if (typeof span.traceId !== 'string' || !TRACE_ID.test(span.traceId)) return false;
  if (typeof span.id !== 'string' || !SPAN_ID.test(span.id)) return false;
  if (span.parentId !== undefined && (typeof span.parentId !== 'string' || !SPAN_ID.test(span.parentId))) return false;
  return true;
}

/** The service that reported a span, as Zipkin and Jaeger show it. */
export function serviceOf(span: ZipkinSpan): string {
  return span.localEndpoint?.serviceName ?? 'unknown';
}
