import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracing } from '../src/fastify-tracing.ts';
import { B3_SAMPLING, createPropagator } from '../src/propagation.ts';
import type { SamplerName } from '../src/sampler.ts';
import { tracedRequest } from '../src/traced-request.ts';
import { type InProcessTracing, installTracing } from './helpers/in-process-tracing.ts';
import { startZipkinEndpoint, type ZipkinEndpoint } from './helpers/zipkin-endpoint.ts';

/**
 * Every propagation rule, one row each, with the line of the B3 spec
 * (openzipkin/b3-propagation README) or W3C Trace Context it checks. Each row
 * is a real request to a Fastify app with the tracing plugin, whose handler
 * calls a downstream with the client helper: what was continued, what was
 * recorded, what was sent on, and what reached a Zipkin endpoint.
 */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const TRACE_64 = 'a3ce929d0e0e4736';
const W3C_TRACE = '0af7651916cd43dd8448eb211c80319c';
const W3C_SPAN = 'b7ad6b7169203331';
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';
const FIXTURE_TRACES = [TRACE, `0000000000000000${TRACE_64}`, W3C_TRACE];

interface Row {
  /** The spec line this row checks, quoted. */
  readonly spec: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly sampler?: SamplerName;
  /** `new`: a trace of our own; otherwise the trace and caller's span we continue. */
  readonly trace: 'new' | { readonly traceId: string; readonly parent: string };
  /** Whether our SERVER and CLIENT spans were recorded (and uploaded). */
  readonly recorded: boolean;
  /** A B3 debug trace: `x-b3-flags: 1` downstream and `"debug": true` on every uploaded span. */
  readonly debug?: boolean;
  /** `traceparent` flags sent downstream: 01 sampled, 00 not. */
  readonly traceparentFlags: '00' | '01';
  /** `tracestate` sent downstream, if any. */
  readonly tracestate?: string;
  /** The flags of our `traceresponse`; defaults from `recorded` and `trace` (random for a new trace). */
  readonly traceresponseFlags?: '00' | '01' | '02' | '03';
}

const DENY = { recorded: false, traceparentFlags: '00' } as const;
const ACCEPT = { recorded: true, traceparentFlags: '01' } as const;
const DEBUG = { recorded: true, debug: true, traceparentFlags: '01' } as const;
const continued = (traceId: string, parent = SPAN) => ({ traceId, parent });

const ROWS: readonly Row[] = [
  // --- Sampling state without ids ----------------------------------------------------------------
  {
    spec: 'A deny decision may omit identifiers and look like this: b3: 0',
    headers: { b3: '0' },
    trace: 'new',
    ...DENY,
  },
  {
    spec: 'It is also valid to send sampling state independently, such as a deny decision (X-B3-Sampled: 0)',
    headers: { 'x-b3-sampled': '0' },
    trace: 'new',
    ...DENY,
  },
  {
    spec: 'X-B3-Sampled: 0 with malformed ids: the ids are lost, never the decision',
    headers: { 'x-b3-traceid': 'not-a-trace-id', 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' },
    trace: 'new',
    ...DENY,
  },
  {
    spec: 'Sampling state can also be sent on its own (with no identifiers): b3: 1',
    headers: { b3: '1' },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'An accept sampling decision is encoded as X-B3-Sampled: 1 (here without ids)',
    headers: { 'x-b3-sampled': '1' },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: "Debug implies an accept decision, so don't also send the X-B3-Sampled header (b3: d alone)",
    headers: { b3: 'd' },
    trace: 'new',
    ...DEBUG,
  },
  {
    spec: 'Debug is encoded as X-B3-Flags: 1 (here without ids)',
    headers: { 'x-b3-flags': '1' },
    trace: 'new',
    ...DEBUG,
  },
  // --- Ids with a deferred, an explicit or a debug decision ------------------------------------------
  {
    spec: 'X-B3-Flags: absent or any other value [than 1] can be ignored: a deferred decision, sampled here',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '0' },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  {
    spec: 'Absent means defer the decision to the receiver of this header: the local sampler says no',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '0' },
    sampler: 'parentbased_always_off',
    trace: continued(TRACE),
    ...DENY,
  },
  {
    spec: 'Debug: b3: {TraceId}-{SpanId}-d, sent on as X-B3-Flags: 1',
    headers: { b3: `${TRACE}-${SPAN}-d` },
    trace: continued(TRACE),
    ...DEBUG,
  },
  {
    spec: 'Debug is encoded as X-B3-Flags: 1, with ids',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' },
    trace: continued(TRACE),
    ...DEBUG,
  },
  {
    spec: 'An accept sampling decision is encoded as X-B3-Sampled: 1 and a deny as X-B3-Sampled: 0',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' },
    trace: continued(TRACE),
    ...DENY,
  },
  // --- Repeated headers -----------------------------------------------------------------------------
  {
    spec: 'When extracting state headers, the first value wins (X-B3-Sampled: 0 then 1, joined by Node)',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0, 1' },
    trace: continued(TRACE),
    ...DENY,
  },
  {
    spec: 'When extracting state headers, the first value wins (X-B3-Sampled on two lines)',
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': ['0', '1'] },
    trace: continued(TRACE),
    ...DENY,
  },
  {
    spec: 'When extracting state headers, the first value wins (two b3 headers, joined by Node)',
    headers: { b3: `${TRACE}-${SPAN}-0, ${W3C_TRACE}-${W3C_SPAN}-1` },
    trace: continued(TRACE),
    ...DENY,
  },
  {
    spec: 'When extracting state headers, the first value wins (two X-B3-TraceId values)',
    headers: { 'x-b3-traceid': `${TRACE}, ${W3C_TRACE}`, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  // --- B3 next to traceparent -----------------------------------------------------------------------
  {
    spec: "b3: 0 with a sampled traceparent: the decision is B3's; the ids can only be traceparent's",
    headers: { b3: '0', traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-01` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'W3C: tracestate is "a companion header for the traceparent field": kept when B3 names the same trace',
    headers: {
      'x-b3-traceid': TRACE,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      traceparent: `00-${TRACE}-${W3C_SPAN}-01`,
      tracestate: TRACESTATE,
    },
    trace: continued(TRACE),
    ...ACCEPT,
    tracestate: TRACESTATE,
  },
  {
    spec: "W3C: tracestate describes traceparent's trace: dropped when B3 names another",
    headers: {
      'x-b3-traceid': TRACE,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-01`,
      tracestate: TRACESTATE,
    },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  // --- Kept from before -----------------------------------------------------------------------------
  {
    spec: 'The X-B3-TraceId header ... is encoded as 32 or 16 lower-hex characters (16: left-padded)',
    headers: { 'x-b3-traceid': TRACE_64, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: continued(`0000000000000000${TRACE_64}`),
    ...ACCEPT,
  },
  {
    spec: 'lower-hex: an upper-case id is malformed, and starts a new trace',
    headers: { 'x-b3-traceid': TRACE.toUpperCase(), 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'The single-header variant takes precedence over the multiple header one (even when malformed)',
    headers: { b3: `junk${TRACE}-${SPAN}-1`, 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'B3 wins over traceparent: Istio sidecars rewrite x-b3-spanid, not traceparent',
    headers: { b3: `${TRACE}-${SPAN}-1`, traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-00` },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  {
    spec: 'W3C Level 2: the random flag of a continued trace is copied into traceresponse',
    headers: { traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-03` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
    traceresponseFlags: '03',
  },
];

// --- The system: app → downstream capture, spans in memory and at a Zipkin endpoint ---------------

let tracer: InProcessTracing;
let zipkin: ZipkinEndpoint;
let downstream: Server;
let downstreamUrl: string;
let lastDownstream: IncomingHttpHeaders = {};
let app: FastifyInstance;

beforeAll(async () => {
  zipkin = await startZipkinEndpoint();
  tracer = installTracing({ zipkinUrl: zipkin.url });
  downstream = createServer((req, res) => {
    lastDownstream = req.headers;
    res.end('ok');
  });
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/next`;
  app = Fastify();
  await app.register(tracing);
  app.get('/hop', async (request) => {
    await tracedRequest(downstreamUrl, { timeoutMs: 5000 });
    return { parent: request.trace?.parent?.spanId ?? null };
  });
});

afterAll(async () => {
  await app?.close();
  downstream?.closeAllConnections();
  downstream?.close();
  await tracer?.uninstall();
  await zipkin?.close();
});

describe('propagation rules, at a traced hop', () => {
  it.each(ROWS)('$spec', async (row) => {
    tracer.useSampler(row.sampler ?? 'parentbased_always_on');
    tracer.memory.reset();
    zipkin.spans.length = 0;
    const response = await app.inject({ method: 'GET', url: '/hop', headers: row.headers });
    expect(response.statusCode).toBe(200);
    const [, traceId, spanId, flags] = String(response.headers.traceresponse).split('-');
    const { parent } = response.json() as { parent: string | null };

    if (row.trace === 'new') {
      expect(FIXTURE_TRACES).not.toContain(traceId);
      expect(parent).toBeNull();
    } else {
      expect(traceId).toBe(row.trace.traceId);
      expect(parent).toBe(row.trace.parent);
    }
    const newTrace = row.trace === 'new' ? 2 : 0;
    expect(flags).toBe(row.traceresponseFlags ?? `0${(row.recorded ? 1 : 0) | newTrace}`);

    const recorded = tracer.memory.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    expect(recorded.map((span) => span.kind).sort()).toEqual(row.recorded ? [1, 2] : []); // SERVER, CLIENT
    expect(recorded.find((span) => span.kind === 1)?.spanContext().spanId ?? spanId).toBe(spanId);

    // Sent downstream: our trace, our CLIENT span, the decision, and nothing contradictory.
    expect(lastDownstream['x-b3-traceid']).toBe(traceId);
    expect(lastDownstream['x-b3-flags']).toBe(row.debug ? '1' : undefined);
    expect(lastDownstream['x-b3-sampled']).toBe(row.debug ? undefined : row.recorded ? '1' : '0');
    expect(lastDownstream.traceparent).toBe(`00-${traceId}-${lastDownstream['x-b3-spanid']}-${row.traceparentFlags}`);
    expect(lastDownstream.tracestate).toBe(row.tracestate);

    if (row.recorded) {
      // "Debug ... additionally reporting Span.debug = true for each span in the trace."
      const uploaded = (await zipkin.waitFor((all) => all.filter((s) => s.traceId === traceId).length === 2)).filter(
        (span) => span.traceId === traceId,
      );
      expect(uploaded.map((span) => span.debug ?? false)).toEqual(row.debug ? [true, true] : [false, false]);
    }
  });

  it('uploads spans with b3: 0 and no other trace header, so no proxy traces the uploads', async () => {
    await app.inject({ method: 'GET', url: '/hop', headers: { 'x-b3-sampled': '1' } });
    await zipkin.waitFor(() => zipkin.uploads.length > 0);
    for (const headers of zipkin.uploads) {
      expect(headers.b3).toBe('0');
      const traceHeaders = Object.keys(headers).filter((name) => /^(x-b3-|traceparent|tracestate|baggage)/.test(name));
      expect(traceHeaders).toEqual([]);
    }
  });
});

describe('the propagator alone', () => {
  const propagator = createPropagator(['tracecontext', 'baggage', 'b3multi']);
  const extract = (headers: Record<string, string>) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);

  it.each([
    [{ b3: `${TRACE}-${SPAN}-1junk` }],
    [{ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN.toUpperCase(), 'x-b3-sampled': '1' }],
    [{ 'x-b3-traceid': '0'.repeat(32), 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }],
    [{ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'd' }],
    [{ b3: '---' }],
    [{ traceparent: 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }],
    [{ 'x-b3-traceid': TRACE }],
  ])('finds no ids in malformed headers %o, without throwing', (headers) => {
    expect(trace.getSpanContext(extract(headers))).toBeUndefined();
  });

  it('writes what OTEL_PROPAGATORS lists: the single header, with d for debug', () => {
    const span = { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED };
    const debug = trace.setSpanContext(ROOT_CONTEXT, span).setValue(B3_SAMPLING, 'debug');
    const single: Record<string, string> = {};
    createPropagator(['b3']).inject(debug, single, defaultTextMapSetter);
    expect(single).toEqual({ b3: `${TRACE}-${SPAN}-d` });
    const none: Record<string, string> = {};
    createPropagator(['none']).inject(debug, none, defaultTextMapSetter);
    expect(none).toEqual({});
  });
});
