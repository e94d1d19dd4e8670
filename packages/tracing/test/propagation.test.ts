import { startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { B3_SAMPLING } from '../src/headers.ts';
import { createPropagator, type PropagatorName, type SamplerName, trustOrder } from '../src/propagation.ts';
import { type InProcessTracing, installTracing } from './helpers/in-process-tracing.ts';
import { startTracedHop, type TracedHop } from './helpers/traced-hop.ts';

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
  /** The spec line (or Envoy source) this row checks, quoted. */
  readonly spec: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly sampler?: SamplerName;
  /** OTEL_PROPAGATORS, in order; the default when unset. */
  readonly propagators?: readonly PropagatorName[];
  /** `new`: a trace of our own; otherwise the trace and caller's span we continue. */
  readonly trace: 'new' | { readonly traceId: string; readonly parent: string };
  /** Whether our SERVER and CLIENT spans were recorded (and uploaded). */
  readonly recorded: boolean;
  /** A B3 debug trace: `x-b3-flags: 1` downstream and `"debug": true` on every uploaded span. */
  readonly debug?: boolean;
  /** The W3C random-trace-id flag we send on; defaults to true for a new trace (our ids are random). */
  readonly random?: boolean;
  /** `tracestate` sent downstream, if any. */
  readonly tracestate?: string;
}

const DENY = { recorded: false } as const;
const ACCEPT = { recorded: true } as const;
const DEBUG = { recorded: true, debug: true } as const;
const continued = (traceId: string, parent = SPAN) => ({ traceId, parent });
/** Istio's `opentelemetry` provider rewrites only traceparent: trust it last. */
const OTEL_MESH: readonly PropagatorName[] = ['baggage', 'b3multi', 'tracecontext'];
const TP = `00-${W3C_TRACE}-${W3C_SPAN}`;
/** A valid traceparent (not sampled, as the W3C suite sends it) with the given tracestate. */
const withState = (tracestate: string | string[]) => ({ traceparent: `${TP}-00`, tracestate });
const members = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `bar${String(from + i).padStart(2, '0')}=${from + i}`).join(',');

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
    spec: 'Debug is an emphasized accept decision (b3: d alone), sent on as X-B3-Flags: 1 and X-B3-Sampled: 1',
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
    // Envoy: SpanContextExtractor::extractSampled reads x-b3-sampled (or b3), never x-b3-flags.
    spec: "Debug implies an accept decision, so don't also send X-B3-Sampled: we do, Envoy reads only that",
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
  // --- Which format wins: the later one in OTEL_PROPAGATORS ---------------------------------------------
  {
    spec: 'Default order (B3 last): B3 wins over traceparent, which Istio zipkin sidecars pass through untouched',
    headers: { b3: `${TRACE}-${SPAN}-1`, traceparent: `${TP}-00` },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  {
    spec: 'baggage,b3multi,tracecontext: traceparent wins; Istio opentelemetry sidecars rewrite only it',
    propagators: OTEL_MESH,
    headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1', traceparent: `${TP}-01` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
  },
  {
    spec: 'traceparent last: its flags decide, not a stale x-b3-sampled: 1 with x-b3-flags: 1',
    propagators: OTEL_MESH,
    headers: { 'x-b3-sampled': '1', 'x-b3-flags': '1', traceparent: `${TP}-00` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: "B3 last: b3: 0 with a sampled traceparent: the decision is B3's; the ids can only be traceparent's",
    headers: { b3: '0', traceparent: `${TP}-01` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'traceparent last: b3: 0 ranks below it, so the sampled traceparent decides',
    propagators: OTEL_MESH,
    headers: { b3: '0', traceparent: `${TP}-01` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
  },
  {
    // Envoy: ZipkinSpan::injectContext writes x-b3-* and never b3, so next to fresh x-b3-* it is stale.
    spec: 'b3multi listed, b3 not: a b3 naming another span loses to x-b3-*, which Envoy rewrote',
    headers: { b3: `${TRACE}-${W3C_SPAN}-1`, 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  {
    spec: 'The single-header variant takes precedence over the multiple header one, with b3 after b3multi',
    propagators: ['tracecontext', 'b3multi', 'b3'],
    headers: { b3: `${TRACE}-${W3C_SPAN}-1`, 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: continued(TRACE, W3C_SPAN),
    ...ACCEPT,
  },
  {
    spec: 'A malformed b3 carries no context; valid x-b3-* next to it still do (the last valid format wins)',
    headers: { b3: `junk${TRACE}-${SPAN}-1`, 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    trace: continued(TRACE),
    ...ACCEPT,
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
      traceparent: `${TP}-01`,
      tracestate: TRACESTATE,
    },
    trace: continued(TRACE),
    ...ACCEPT,
  },
  // --- B3 ids -----------------------------------------------------------------------------------------
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
  // --- W3C Trace Context Level 2: traceparent -------------------------------------------------------------
  {
    spec: 'random flag: a participant that continues a trace MUST set it "to the same value that was found" (03)',
    headers: { traceparent: `${TP}-03` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
    random: true,
  },
  {
    spec: 'random flag: ... to the same value that was found: unset (01) stays unset',
    headers: { traceparent: `${TP}-01` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
  },
  {
    spec: 'random flag: the right-most 7 bytes of our own ids are random, so a trace we start sets it',
    headers: {},
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'Other flags: "The behavior of other flags ... is not defined ... Vendors MUST set those to zero" (0b)',
    headers: { traceparent: `${TP}-0b` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
    random: true,
  },
  {
    spec: 'Version ff is invalid: a new trace',
    headers: { traceparent: `ff-${W3C_TRACE}-${W3C_SPAN}-01` },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'Version 00 is exactly 55 characters: trailing fields mean a new trace',
    headers: { traceparent: `${TP}-01-what-the-future-will-be-like` },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'A higher version: parse trace-id, parent-id and flags, which must be "followed by a dash"',
    headers: { traceparent: `cc-${W3C_TRACE}-${W3C_SPAN}-01-what-the-future-will-be-like` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
  },
  {
    spec: 'A higher version whose flags are not followed by a dash: a new trace',
    headers: { traceparent: `cc-${W3C_TRACE}-${W3C_SPAN}-01.what-the-future-will-be-like` },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'HEXDIGLC: an upper-case trace-id is invalid, "vendors MUST ignore the traceparent"',
    headers: { traceparent: `00-${W3C_TRACE.toUpperCase()}-${W3C_SPAN}-01` },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'All bytes as zero ... is considered an invalid value (parent-id)',
    headers: { traceparent: `00-${W3C_TRACE}-0000000000000000-01` },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'Two traceparent headers (joined by Node): the suite expects a newly generated trace_id',
    headers: { traceparent: [`${TP}-01`, `00-${TRACE}-${SPAN}-01`] },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'Optional whitespace (spaces and tabs) around traceparent is not part of it',
    headers: { traceparent: ` \t${TP}-01\t ` },
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...ACCEPT,
  },
  // --- W3C Trace Context Level 2: tracestate --------------------------------------------------------------
  {
    spec: 'Vendors receiving a tracestate request header MUST send it to outgoing requests',
    headers: withState('foo=1,bar=2'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: 'foo=1,bar=2',
  },
  {
    spec: 'Multiple tracestate header fields ... MUST be combined into a single header, in order',
    headers: withState(['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3']),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: 'foo=1,bar=2,rojo=1,congo=2,baz=3',
  },
  {
    spec: 'Spaces and horizontal tabs surrounding list-members are ignored; empty members are allowed',
    headers: withState('foo=1 \t , \t bar=2,, \t baz=3'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: 'foo=1,bar=2,baz=3',
  },
  {
    spec: 'Vendors MUST accept empty tracestate headers but SHOULD avoid sending them',
    headers: withState(''),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'There can be a maximum of 32 list-members in a list: 32 are kept',
    headers: withState([members(1, 10), members(11, 20), members(21, 32)]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: members(1, 32),
  },
  {
    spec: 'A 33rd list-member: the strict suite "expects the tracestate to be discarded", the whole header',
    headers: withState([members(1, 10), members(11, 20), members(21, 33)]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'Only one entry per key is allowed: a duplicated key discards the whole header',
    headers: withState(['foo=1,bar=2', 'foo=1']),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'simple-key = lcalpha 0*255( ... ): a key of 256 characters is kept',
    headers: withState(['foo=1', `${'z'.repeat(256)}=1`]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: `foo=1,${'z'.repeat(256)}=1`,
  },
  {
    spec: 'simple-key: a key of 257 characters discards the whole header',
    headers: withState(['foo=1', `${'z'.repeat(257)}=1`]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'multi-tenant-key = tenant-id "@" system-id, 241 and 14 characters at most: kept',
    headers: withState(['foo=1', `${'t'.repeat(241)}@${'v'.repeat(14)}=1`]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: `foo=1,${'t'.repeat(241)}@${'v'.repeat(14)}=1`,
  },
  {
    spec: 'tenant-id = ( lcalpha / DIGIT ) 0*240( ... ): 242 characters discard the whole header',
    headers: withState(['foo=1', `${'t'.repeat(242)}@v=1`]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'system-id = lcalpha 0*13( ... ): 15 characters discard the whole header',
    headers: withState(['foo=1', `t@${'v'.repeat(15)}=1`]),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'A key with an empty system-id (foo@) is no key: the whole header is discarded, bar=2 too',
    headers: withState('foo@=1,bar=2'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'lcalpha: an upper-case key discards the whole header',
    headers: withState('FOO=1,bar=2'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'The value is ... printable ASCII ... except comma (,) and (=): foo=bar=baz discards the header',
    headers: withState('foo=bar=baz,bar=2'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'value = 0*255(chr) nblk-chr: an empty value (foo=) discards the whole header, bar=3 too',
    headers: withState('foo=,bar=3'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
  },
  {
    spec: 'value: leading spaces are part of the value and are kept',
    headers: withState('foo=  1'),
    trace: continued(W3C_TRACE, W3C_SPAN),
    ...DENY,
    tracestate: 'foo=  1',
  },
  {
    spec: 'If the vendor failed to parse traceparent, it MUST NOT attempt to parse tracestate',
    headers: { traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-0x`, tracestate: 'foo=1' },
    trace: 'new',
    ...ACCEPT,
  },
  {
    spec: 'A tracestate without a traceparent is discarded: a new trace, no tracestate sent on',
    headers: { tracestate: 'foo=1' },
    trace: 'new',
    ...ACCEPT,
  },
];

// --- The system: app → downstream capture, spans in memory and at a Zipkin endpoint ---------------

let tracer: InProcessTracing;
let zipkin: ZipkinReceiver;
let traced: TracedHop;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  tracer = installTracing({ zipkinUrl: zipkin.url });
  traced = await startTracedHop();
});

afterAll(async () => {
  await traced?.close();
  await tracer?.uninstall();
  await zipkin?.close();
});

describe('propagation rules, at a traced hop', () => {
  it.each(ROWS)('$spec', async (row) => {
    tracer.useSampler(row.sampler ?? 'parentbased_always_on');
    tracer.usePropagators(row.propagators ?? ['tracecontext', 'baggage', 'b3multi']);
    tracer.memory.reset();
    zipkin.spans.length = 0;
    const response = await traced.app.inject({ method: 'GET', url: '/hop', headers: row.headers });
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
    // Our SERVER span's sampled flag and the random flag, in traceresponse and in every traceparent we send.
    const expectedFlags = `0${(row.recorded ? 1 : 0) | ((row.random ?? row.trace === 'new') ? 2 : 0)}`;
    expect(flags).toBe(expectedFlags);

    const recorded = tracer.memory.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    expect(recorded.map((span) => span.kind).sort()).toEqual(row.recorded ? [1, 2] : []); // SERVER, CLIENT
    expect(recorded.find((span) => span.kind === 1)?.spanContext().spanId ?? spanId).toBe(spanId);

    // Sent downstream: our trace, our CLIENT span, the decision, and nothing contradictory.
    const lastDownstream = traced.received.at(-1) ?? {};
    expect(lastDownstream['x-b3-traceid']).toBe(traceId);
    expect(lastDownstream['x-b3-flags']).toBe(row.debug ? '1' : undefined);
    expect(lastDownstream['x-b3-sampled']).toBe(row.recorded ? '1' : '0');
    expect(lastDownstream.traceparent).toBe(`00-${traceId}-${lastDownstream['x-b3-spanid']}-${expectedFlags}`);
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
    await traced.app.inject({ method: 'GET', url: '/hop', headers: { 'x-b3-sampled': '1' } });
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

  it.each([
    [
      ['tracecontext', 'baggage', 'b3multi'],
      ['tracecontext', 'b3', 'b3multi'],
    ],
    [
      ['baggage', 'b3multi', 'tracecontext'],
      ['b3', 'b3multi', 'tracecontext'],
    ],
    [
      ['tracecontext', 'b3'],
      ['tracecontext', 'b3multi', 'b3'],
    ],
    [
      ['b3multi', 'b3', 'tracecontext', 'b3multi'],
      ['b3', 'tracecontext', 'b3multi'],
    ],
    [['baggage', 'none'], []],
  ] as const)('trusts %j in the order %j, the last one most', (names, order) => {
    expect(trustOrder(names)).toEqual(order);
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
