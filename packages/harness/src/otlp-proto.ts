import type { OtlpKeyValue, OtlpResourceSpans, OtlpSpan, OtlpTracesResult } from './otlp-spans.ts';

/**
 * Reads the protobuf body of an OTLP/HTTP trace export (`POST /v1/traces`,
 * `application/x-protobuf`, an ExportTraceServiceRequest) into the same JSON
 * shape Jaeger's v3 API answers, so one reader (fromOtlp) serves both. Only the
 * fields the trace view reads, by their numbers in opentelemetry-proto
 * (`collector/trace/v1/trace_service.proto`, `trace/v1/trace.proto`,
 * `common/v1/common.proto`, `resource/v1/resource.proto`); every other field
 * is skipped. A wire parser: malformed input gives undefined, never a throw.
 */

type Field = readonly [number, bigint | Uint8Array];

/** Thrown inside the reader only, caught by decodeOtlpTraces. */
class Truncated extends Error {}

/** The fields of one message, in order: varints and fixed numbers as bigint, length-delimited as bytes. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[i++];
      if (byte === undefined || shift > 63n) throw new Truncated();
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  const take = (length: number): Uint8Array => {
    if (i + length > buf.length) throw new Truncated();
    i += length;
    return buf.subarray(i - length, i);
  };
  const fixed = (bytes: number): bigint => {
    const view = take(bytes);
    let value = 0n;
    for (let b = bytes - 1; b >= 0; b--) value = (value << 8n) | BigInt(view[b] ?? 0);
    return value;
  };
  while (i < buf.length) {
    const key = Number(varint());
    const number = key >>> 3;
    switch (key & 7) {
      case 0:
        out.push([number, varint()]);
        break;
      case 1:
        out.push([number, fixed(8)]);
        break;
      case 2:
        out.push([number, take(Number(varint()))]);
        break;
      case 5:
        out.push([number, fixed(4)]);
        break;
      default:
        throw new Truncated();
    }
  }
  return out;
}

const bytesOf = (list: Field[], number: number): Uint8Array[] =>
  list.flatMap(([n, value]) => (n === number && value instanceof Uint8Array ? [value] : []));
const firstBytes = (list: Field[], number: number): Uint8Array | undefined => bytesOf(list, number)[0];
const numberOf = (list: Field[], number: number): bigint | undefined => {
  const found = list.find(([n, value]) => n === number && typeof value === 'bigint');
  return found?.[1] as bigint | undefined;
};
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
const hex = (bytes: Uint8Array | undefined): string => (bytes ? Buffer.from(bytes).toString('hex') : '');

/** KeyValue: 1 key; 2 value, an AnyValue whose field 1 is string_value (the only kind read). */
function keyValues(list: Field[], number: number): OtlpKeyValue[] {
  return bytesOf(list, number).map((bytes) => {
    const kv = fields(bytes);
    const value = firstBytes(kv, 2);
    const stringValue = value === undefined ? undefined : text(firstBytes(fields(value), 1));
    return { key: text(firstBytes(kv, 1)) ?? '', ...(stringValue === undefined ? {} : { value: { stringValue } }) };
  });
}

/** Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 7/8 start/end (fixed64 ns), 9 attributes, 15 status (3 code). */
function span(bytes: Uint8Array): OtlpSpan {
  const s = fields(bytes);
  const status = firstBytes(s, 15);
  const code = status ? numberOf(fields(status), 3) : undefined;
  const parent = hex(firstBytes(s, 4));
  return {
    traceId: hex(firstBytes(s, 1)),
    spanId: hex(firstBytes(s, 2)),
    ...(parent ? { parentSpanId: parent } : {}),
    name: text(firstBytes(s, 5)) ?? '',
    kind: Number(numberOf(s, 6) ?? 0n),
    startTimeUnixNano: String(numberOf(s, 7) ?? 0n),
    endTimeUnixNano: String(numberOf(s, 8) ?? 0n),
    attributes: keyValues(s, 9),
    ...(code === undefined ? {} : { status: { code: Number(code) } }),
  };
}

/** ResourceSpans: 1 resource (1 attributes), 2 scope_spans (ScopeSpans: 2 spans). */
function resourceSpans(bytes: Uint8Array): OtlpResourceSpans {
  const rs = fields(bytes);
  const resource = firstBytes(rs, 1);
  return {
    resource: { attributes: resource ? keyValues(fields(resource), 1) : [] },
    scopeSpans: bytesOf(rs, 2).map((scope) => ({ spans: bytesOf(fields(scope), 2).map(span) })),
  };
}

/** An ExportTraceServiceRequest (field 1: resource_spans), or undefined when the bytes are not one. */
export function decodeOtlpTraces(body: Uint8Array): OtlpTracesResult | undefined {
  try {
    return { resourceSpans: bytesOf(fields(body), 1).map(resourceSpans) };
  } catch (error) {
    if (error instanceof Truncated || error instanceof RangeError) return undefined;
    throw error;
  }
}
