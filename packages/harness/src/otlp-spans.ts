import { normalizeTraceId, REQUEST_ID_TAG, type SpanKindName, type SpanStatus, type TraceSpan } from './trace-span.ts';

/**
 * OTLP JSON as Jaeger's query API v3 answers it: `{"result": {"resourceSpans":
 * [...]}}`. Only the fields `verify` reads. Ids are hex strings; enums may be
 * numbers (pdata's JSON) or `SPAN_KIND_*` / `STATUS_CODE_*` names (protojson).
 */
export interface OtlpAnyValue {
  readonly stringValue?: string;
}
export interface OtlpKeyValue {
  readonly key: string;
  readonly value?: OtlpAnyValue;
}
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name?: string;
  readonly kind?: number | string;
  readonly startTimeUnixNano?: string | number;
  readonly endTimeUnixNano?: string | number;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly status?: { readonly code?: number | string; readonly message?: string };
}
export interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeSpans?: readonly {
    readonly scope?: { readonly name?: string };
    readonly spans?: readonly OtlpSpan[];
  }[];
}
export interface OtlpTracesResult {
  readonly resourceSpans?: readonly OtlpResourceSpans[];
}

/** OTLP's SpanKind enum, in order (0 is UNSPECIFIED, shown as INTERNAL). */
const KINDS: readonly SpanKindName[] = ['INTERNAL', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

function kindOf(kind: number | string | undefined): SpanKindName {
  if (typeof kind === 'number') return KINDS[kind] ?? 'INTERNAL';
  const name = kind?.replace(/^SPAN_KIND_/, '');
  return KINDS.find((k) => k === name) ?? 'INTERNAL';
}

function statusOf(code: number | string | undefined): SpanStatus {
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

function attribute(attributes: readonly OtlpKeyValue[] | undefined, key: string): string | undefined {
  return attributes?.find((a) => a.key === key)?.value?.stringValue;
}

/**
 * OTLP JSON says ids are hex, but a gogo/jsonpb marshaller writes protobuf
 * bytes as base64. Accept both; anything else is returned as it came.
 */
function hexId(id: string | undefined): string {
  if (!id) return '';
  if (/^[0-9a-fA-F]+$/.test(id) && (id.length === 16 || id.length === 32)) return id.toLowerCase();
  if (/^[A-Za-z0-9+/]+=*$/.test(id)) {
    const hex = Buffer.from(id, 'base64').toString('hex');
    if (hex.length === 16 || hex.length === 32) return hex;
  }
  return id;
}

/** Nanoseconds (a decimal string, since they overflow a double's integers) to microseconds. */
function micros(nanos: string | number | undefined): number {
  if (nanos === undefined || nanos === '') return 0;
  try {
    return Number(BigInt(nanos) / 1000n);
  } catch {
    return 0;
  }
}

/** Every span in a v3 answer, flattened, with the service from its resource. Never throws. */
export function fromOtlp(result: OtlpTracesResult | undefined): TraceSpan[] {
  const spans: TraceSpan[] = [];
  for (const resourceSpans of result?.resourceSpans ?? []) {
    const service = attribute(resourceSpans.resource?.attributes, 'service.name') ?? 'unknown';
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const startUs = micros(span.startTimeUnixNano);
        const endUs = micros(span.endTimeUnixNano);
        const parentId = hexId(span.parentSpanId);
        const url = attribute(span.attributes, 'url.full') ?? attribute(span.attributes, 'http.url');
        const requestId = attribute(span.attributes, REQUEST_ID_TAG);
        spans.push({
          traceId: normalizeTraceId(hexId(span.traceId)),
          spanId: hexId(span.spanId),
          ...(parentId ? { parentId } : {}),
          service,
          name: span.name ?? '',
          kind: kindOf(span.kind),
          startUs,
          durationUs: Math.max(0, endUs - startUs),
          status: statusOf(span.status?.code),
          ...(url ? { url } : {}),
          ...(requestId === undefined ? {} : { requestId }),
        });
      }
    }
  }
  return spans;
}
