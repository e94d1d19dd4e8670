import { describe, expect, it } from 'vitest';
import { type EnvoySpan, type Headers, injectContext, startSpan, tracingDecision } from '../src/envoy-tracers.ts';
import type { MeshProvider } from '../src/index.ts';

/**
 * The simulated sidecar's header rules, one row each, with the Envoy source it
 * follows: what span it starts for the headers that arrive, and what it writes
 * on the request it forwards.
 */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const OTHER_SPAN = 'b7ad6b7169203331';
const TRACE_64 = 'a3ce929d0e0e4736';
const TP = `00-${TRACE}-${SPAN}`;

interface Row {
  readonly rule: string;
  readonly tracer: MeshProvider;
  readonly headers: Headers;
  /** Envoy's own decision (the mesh's sampling rate, from x-request-id). */
  readonly decision: boolean;
  /** `null`: a NullSpan, nothing rewritten; `root`: a new trace; else the parent span continued. */
  readonly span: 'null' | 'root' | { readonly traceId: string; readonly parent: string };
  readonly sampled?: boolean;
  /** Headers that must reach the app exactly as they arrived. */
  readonly untouched?: readonly string[];
}

const ROWS: readonly Row[] = [
  // --- zipkin: span_context_extractor.cc, zipkin_tracer_impl.cc (Driver::startSpan), ZipkinSpan::injectContext
  {
    rule: 'zipkin: no context, a root whose sampling is the mesh rate',
    tracer: 'zipkin',
    headers: {},
    decision: true,
    span: 'root',
    sampled: true,
  },
  {
    rule: 'zipkin: x-b3-traceid + x-b3-spanid, a child of the caller; x-b3-sampled: 1 beats the rate',
    tracer: 'zipkin',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1', traceparent: `${TP}-01` },
    decision: false,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
    untouched: ['traceparent'],
  },
  {
    rule: 'zipkin: x-b3-sampled: 0 still gets a span id, sent on as not sampled',
    tracer: 'zipkin',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' },
    decision: true,
    span: { traceId: TRACE, parent: SPAN },
    sampled: false,
  },
  {
    rule: 'zipkin: "true" counts as sampled (extractSampled)',
    tracer: 'zipkin',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'true' },
    decision: false,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
  },
  {
    rule: 'zipkin: x-b3-flags: 1 is never read: without x-b3-sampled the rate decides',
    tracer: 'zipkin',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' },
    decision: false,
    span: { traceId: TRACE, parent: SPAN },
    sampled: false,
    untouched: ['x-b3-flags'],
  },
  {
    rule: 'zipkin: b3: {ids}-d is sampled whatever the rate',
    tracer: 'zipkin',
    headers: { b3: `${TRACE}-${SPAN}-d` },
    decision: false,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
    untouched: ['b3'],
  },
  {
    rule: 'zipkin: b3 is read first: a stale b3 beats fresh x-b3-*, and is left as it was',
    tracer: 'zipkin',
    headers: { b3: `${TRACE}-${SPAN}-1`, 'x-b3-traceid': TRACE, 'x-b3-spanid': OTHER_SPAN, 'x-b3-sampled': '1' },
    decision: true,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
    untouched: ['b3'],
  },
  {
    rule: 'zipkin: b3: 0 alone is a root that is not sampled, even next to x-b3 ids',
    tracer: 'zipkin',
    headers: { b3: '0', 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN },
    decision: true,
    span: 'root',
    sampled: false,
  },
  {
    rule: 'zipkin: a malformed b3 throws ExtractorException: a NullSpan, nothing rewritten',
    tracer: 'zipkin',
    headers: { b3: `${TRACE}-${SPAN}-x`, 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    decision: true,
    span: 'null',
    untouched: ['b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled'],
  },
  {
    rule: 'zipkin: a 64-bit trace id stays 64 bits',
    tracer: 'zipkin',
    headers: { 'x-b3-traceid': TRACE_64, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    decision: true,
    span: { traceId: TRACE_64, parent: SPAN },
    sampled: true,
  },
  {
    rule: 'zipkin: traceparent alone is not read: a new trace, traceparent and tracestate untouched',
    tracer: 'zipkin',
    headers: { traceparent: `${TP}-01`, tracestate: 'congo=t61rcWkgMzE' },
    decision: true,
    span: 'root',
    sampled: true,
    untouched: ['traceparent', 'tracestate'],
  },
  // --- zipkin with USE_B3_WITH_W3C_PROPAGATION (Envoy ≥ 1.36) -----------------------------------------------
  {
    rule: 'zipkin-w3c: traceparent alone is the fallback context, its flag the decision',
    tracer: 'zipkin-w3c',
    headers: { traceparent: `${TP}-01`, tracestate: 'congo=t61rcWkgMzE' },
    decision: false,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
    untouched: ['tracestate'],
  },
  {
    rule: 'zipkin-w3c: B3 first when both arrive',
    tracer: 'zipkin-w3c',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0', traceparent: `${TP}-01` },
    decision: true,
    span: { traceId: TRACE, parent: SPAN },
    sampled: false,
  },
  // --- opentelemetry: span_context_extractor.cc, opentelemetry_tracer_impl.cc, tracer.cc --------------------
  {
    rule: 'opentelemetry: no traceparent, a root whose sampling is the mesh rate; x-b3-* untouched',
    tracer: 'opentelemetry',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    decision: false,
    span: 'root',
    sampled: false,
    untouched: ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled'],
  },
  {
    rule: 'opentelemetry: "Respect the previous span\'s sampled flag": 01 is sampled below 100%',
    tracer: 'opentelemetry',
    headers: { traceparent: `${TP}-01` },
    decision: false,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
  },
  {
    rule: 'opentelemetry: ... and 00 is not sampled at 100%',
    tracer: 'opentelemetry',
    headers: { traceparent: `${TP}-00` },
    decision: true,
    span: { traceId: TRACE, parent: SPAN },
    sampled: false,
  },
  {
    rule: 'opentelemetry: upper-case hex and version ff pass (isValidHex, no version check)',
    tracer: 'opentelemetry',
    headers: { traceparent: `ff-${TRACE.toUpperCase()}-${SPAN}-01` },
    decision: true,
    span: { traceId: TRACE, parent: SPAN },
    sampled: true,
  },
  {
    rule: 'opentelemetry: not exactly 55 characters: a NullSpan, nothing rewritten',
    tracer: 'opentelemetry',
    headers: { traceparent: `${TP}-01-extra`, tracestate: 'congo=1' },
    decision: true,
    span: 'null',
    untouched: ['traceparent', 'tracestate'],
  },
];

function headersAfter(row: Row): { span: EnvoySpan | undefined; headers: Headers } {
  const headers = { ...row.headers };
  const started = startSpan(row.tracer, headers, row.decision);
  if (started.kind === 'null') return { span: undefined, headers };
  injectContext(row.tracer, started.span, headers);
  return { span: started.span, headers };
}

describe('the simulated Envoy tracers', () => {
  it.each(ROWS)('$rule', (row) => {
    const { span, headers } = headersAfter(row);
    for (const name of row.untouched ?? []) expect(headers[name]).toBe(row.headers[name]);
    if (row.span === 'null') {
      expect(span).toBeUndefined();
      expect(headers).toEqual(row.headers);
      return;
    }
    expect(span?.sampled).toBe(row.sampled);
    if (row.span === 'root') {
      expect(span?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span?.traceId).not.toBe(TRACE);
      expect(span?.parentId).toBeUndefined();
    } else {
      expect(span?.traceId).toBe(row.span.traceId);
      expect(span?.parentId).toBe(row.span.parent);
    }
    const flags = row.sampled ? '01' : '00';
    const traceparent = `00-${span?.traceId.padStart(32, '0')}-${span?.spanId}-${flags}`;
    if (row.tracer === 'opentelemetry') {
      expect(headers.traceparent).toBe(traceparent);
      expect(headers.tracestate).toBe(row.headers.tracestate ?? '');
      return;
    }
    // ZipkinSpan::injectContext: the four x-b3 headers for its own span; never b3 or x-b3-flags.
    expect(headers['x-b3-traceid']).toBe(span?.traceId);
    expect(headers['x-b3-spanid']).toBe(span?.spanId);
    expect(headers['x-b3-parentspanid']).toBe(span?.parentId);
    expect(headers['x-b3-sampled']).toBe(row.sampled ? '1' : '0');
    expect(headers.b3).toBe(row.headers.b3);
    expect(headers['x-b3-flags']).toBe(row.headers['x-b3-flags']);
    if (row.tracer === 'zipkin-w3c') expect(headers.traceparent).toBe(traceparent);
    else expect(headers.traceparent).toBe(row.headers.traceparent);
  });
});

describe("Envoy's own decision, from x-request-id", () => {
  const UUID = 'f1a4d3a0-5c1e-4d5b-9b1a-2f0c9e8d7b6a';

  it('generates a UUID x-request-id when none arrived', () => {
    const headers: Headers = {};
    tracingDecision(headers, 100);
    expect(headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('samples on the first 8 hex digits modulo 10000, and marks a sampled UUID in character 14', () => {
    // 0xf1a4d3a0 % 10000 = 1136: sampled at 12%, not at 11%, and the same id answers the same every time.
    const at = (percent: number) => {
      const headers: Headers = { 'x-request-id': UUID };
      return { traced: tracingDecision(headers, percent), id: headers['x-request-id'] };
    };
    expect(at(11)).toEqual({ traced: false, id: UUID });
    expect(at(12)).toEqual({ traced: true, id: 'f1a4d3a0-5c1e-9d5b-9b1a-2f0c9e8d7b6a' });
    expect(at(12)).toEqual(at(12));
  });

  it('keeps a decision already marked in the UUID, at any rate', () => {
    expect(tracingDecision({ 'x-request-id': 'f1a4d3a0-5c1e-9d5b-9b1a-2f0c9e8d7b6a' }, 0)).toBe(true);
  });

  it('never traces a request id whose first 8 characters are not hex (envoy#12808)', () => {
    const headers: Headers = { 'x-request-id': 'req-1234-from-nginx' };
    expect(tracingDecision(headers, 100)).toBe(false);
    expect(headers['x-request-id']).toBe('req-1234-from-nginx');
  });

  it('samples a hex id that is no UUID, but cannot mark it for the next sidecar', () => {
    const headers: Headers = { 'x-request-id': '0000000a9b8c7d6e5f4a3b2c1d0e9f8a' };
    expect(tracingDecision(headers, 100)).toBe(true);
    expect(headers['x-request-id']).toBe('0000000a9b8c7d6e5f4a3b2c1d0e9f8a');
  });
});
