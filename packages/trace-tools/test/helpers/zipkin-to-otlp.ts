import type { OtlpResourceSpans, OtlpSpan, ZipkinSpan } from '@meshtrace/harness';

/** How the fake Jaeger writes enums: pdata's JSON uses numbers, protojson the SPAN_KIND_* names. */
export type EnumStyle = 'number' | 'name';

const KIND_NUMBER = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

function otlpSpan(span: ZipkinSpan, style: EnumStyle): OtlpSpan {
  const kind = span.kind ?? 'INTERNAL';
  const startNs = BigInt(span.timestamp ?? 0) * 1000n;
  const endNs = startNs + BigInt(span.duration ?? 0) * 1000n;
  const tags = span.tags ?? {};
  const error = tags['otel.status_code'] === 'ERROR' || tags.error !== undefined;
  return {
    traceId: span.traceId.padStart(32, '0'),
    spanId: span.id,
    // Jaeger writes an empty parentSpanId on roots.
    parentSpanId: span.parentId ?? '',
    name: span.name ?? '',
    kind: style === 'number' ? KIND_NUMBER[kind] : `SPAN_KIND_${kind}`,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(endNs),
    attributes: Object.entries(tags).map(([key, value]) => ({ key, value: { stringValue: value } })),
    status: error ? { code: style === 'number' ? 2 : 'STATUS_CODE_ERROR' } : {},
  };
}

/**
 * Zipkin v2 spans as Jaeger's v3 API presents them: one resourceSpans entry
 * per trace and service, with service.name in the resource attributes.
 */
export function zipkinToOtlp(spans: readonly ZipkinSpan[], style: EnumStyle = 'number'): OtlpResourceSpans[] {
  const groups = new Map<string, ZipkinSpan[]>();
  for (const span of spans) {
    const key = `${span.traceId}|${span.localEndpoint?.serviceName ?? 'unknown'}`;
    groups.set(key, [...(groups.get(key) ?? []), span]);
  }
  return [...groups.entries()].map(([key, group]) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: key.split('|')[1] ?? '' } }] },
    scopeSpans: [{ scope: { name: 'meshtrace' }, spans: group.map((span) => otlpSpan(span, style)) }],
  }));
}
