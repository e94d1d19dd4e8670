import { startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InProcessTracing, installTracing } from './helpers/in-process-tracing.ts';
import { startTracedHop, type TracedHop } from './helpers/traced-hop.ts';

/**
 * A request that arrives already decided "not sampled" (what Istio sends for 99
 * requests in 100 behind its default 1%). Over real HTTP: it continues the
 * trace with a span id of its own, sends the deny on in every format, records
 * and exports nothing, and a sampler that is not parent-based is still asked.
 */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const UNSAMPLED_B3 = { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' };
const UNSAMPLED_TRACE = 'a3ce929d0e0e47364bf92f3577b34da6';
const SPAN_ID = /^[0-9a-f]{16}$/;

let tracer: InProcessTracing;
let zipkin: ZipkinReceiver;
let traced: TracedHop;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  // Every format we can write, so the deny is checked in each.
  tracer = installTracing({ zipkinUrl: zipkin.url, propagators: ['tracecontext', 'baggage', 'b3', 'b3multi'] });
  traced = await startTracedHop();
});

afterAll(async () => {
  await traced?.close();
  await tracer?.uninstall();
  await zipkin?.close();
});

beforeEach(() => {
  tracer.useSampler('parentbased_always_on');
  tracer.memory.reset();
  zipkin.spans.length = 0;
  traced.received.length = 0;
});

/** One request over HTTP; our SERVER span's ids and flags, from traceresponse. */
async function hop(headers: Record<string, string>) {
  const response = await fetch(`${traced.origin}/hop`, { headers });
  await response.text();
  expect(response.status).toBe(200);
  const [, traceId, spanId, flags] = String(response.headers.get('traceresponse')).split('-');
  return { traceId, spanId, flags, sent: traced.received.at(-1) ?? {} };
}

describe('an unsampled request records nothing and keeps every propagation rule', () => {
  it('continues the caller’s trace with a new span id of its own, each request another', async () => {
    const first = await hop(UNSAMPLED_B3);
    const second = await hop(UNSAMPLED_B3);
    expect(first.traceId).toBe(TRACE);
    expect(first.flags).toBe('00');
    expect(first.spanId).toMatch(SPAN_ID);
    expect(first.spanId).not.toBe(SPAN);
    expect(second.spanId).not.toBe(first.spanId);
  });

  it('sends the deny on in x-b3-sampled, b3 and traceparent, with no debug flag', async () => {
    const { sent } = await hop(UNSAMPLED_B3);
    const client = sent['x-b3-spanid'];
    expect(client).toMatch(SPAN_ID);
    expect(client).not.toBe(SPAN);
    expect(sent['x-b3-traceid']).toBe(TRACE);
    expect(sent['x-b3-sampled']).toBe('0');
    expect(sent['x-b3-flags']).toBeUndefined();
    expect(sent.b3).toBe(`${TRACE}-${client}-0`);
    // B3 ids say nothing about randomness: the W3C random flag stays clear.
    expect(sent.traceparent).toBe(`00-${TRACE}-${client}-00`);
  });

  it('carries an unsampled traceparent’s tracestate and random flag on', async () => {
    const { traceId, flags, sent } = await hop({
      traceparent: `00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-02`,
      tracestate: 'rojo=00f067aa0ba902b7',
    });
    expect(traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(flags).toBe('02');
    expect(sent.traceparent).toBe(`00-${traceId}-${sent['x-b3-spanid']}-02`);
    expect(sent.tracestate).toBe('rojo=00f067aa0ba902b7');
    expect(sent['x-b3-sampled']).toBe('0');
  });

  it('asks a sampler that is not parent-based: always_on and traceidratio record a caller’s sampled=0', async () => {
    for (const sampler of ['always_on', 'traceidratio'] as const) {
      tracer.useSampler(sampler);
      tracer.memory.reset();
      const { traceId, spanId, flags, sent } = await hop(UNSAMPLED_B3);
      expect(flags).toBe('01');
      expect(sent['x-b3-sampled']).toBe('1');
      const server = tracer.memory.getFinishedSpans().find((span) => span.spanContext().spanId === spanId);
      expect(server?.spanContext().traceId).toBe(traceId);
      expect(server?.parentSpanContext?.spanId).toBe(SPAN);
    }
  });

  it('leaves a deferred B3 decision (ids, no x-b3-sampled) to the SDK, which samples it', async () => {
    const { flags } = await hop({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN });
    expect(flags).toBe('01');
  });

  it('exports nothing for unsampled requests, and the sampled one among them', async () => {
    // A trace of its own: earlier tests' recorded spans may still be on their way to Zipkin.
    const unsampled = { ...UNSAMPLED_B3, 'x-b3-traceid': UNSAMPLED_TRACE };
    for (let i = 0; i < 20; i++) await hop(unsampled);
    const sampled = await hop({});
    const uploaded = await zipkin.waitFor(
      (spans) => spans.filter((span) => span.traceId === sampled.traceId).length === 2,
    );
    expect(uploaded.filter((span) => span.traceId === UNSAMPLED_TRACE)).toEqual([]);
    const recorded = tracer.memory.getFinishedSpans().map((span) => span.spanContext().traceId);
    expect(recorded).toEqual([sampled.traceId, sampled.traceId]);
  });
});
