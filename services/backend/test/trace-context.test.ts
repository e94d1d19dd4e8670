import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/trace-tools';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * How the backend continues each kind of incoming context: checked in its
 * JSON echo, in what its downstream (a second backend) received, and in the
 * spans a real Zipkin endpoint collected.
 */

const TRACE_128 = '463ac35c9f6413ad48485a3953bb6124';
const TRACE_64 = 'a3ce929d0e0e4736';
const SPAN = 'a2fb4a1d1a96d312';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const OTHER_SPAN = 'b7ad6b7169203331';

interface Echo {
  headers: Record<string, string>;
  trace: {
    enabled: boolean;
    trace_id: string;
    parent_span_id?: string;
    span_id: string;
    sampled: boolean;
    debug: boolean;
    continued: boolean;
    formats_received: string[];
    x_request_id?: string;
    tracestate?: string;
    baggage?: string;
  };
  elapsed_ms: number;
  downstream: Array<{
    ok: boolean;
    status?: number;
    body?: Echo;
    span_id?: string;
    propagated: boolean;
    started_ms: number;
    duration_ms: number;
  }>;
}

let zipkin: ZipkinReceiver;
let downstream: ServiceProcess;
let backend: ServiceProcess;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  const tracing = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  downstream = await startService('backend', { env: { ...tracing, OTEL_SERVICE_NAME: 'backend-2' } });
  backend = await startService('backend', { env: { ...tracing, DOWNSTREAM_URLS: `${downstream.url}/next` } });
});

afterAll(async () => {
  await Promise.all([backend?.stop(), downstream?.stop()]);
  await zipkin?.close();
});

async function echo(headers: Record<string, string>): Promise<Echo> {
  const response = await fetch(`${backend.url}/hello?format=json`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Echo;
}

function spansOf(traceId: string) {
  return zipkin.spans.filter((span) => span.traceId === traceId);
}

/** Both hops' SERVER spans and the backend's CLIENT span arrived for this trace. */
function waitForChain(traceId: string) {
  return zipkin.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 3);
}

describe('incoming trace context at the backend', () => {
  it('continues a 128-bit x-b3-* trace and forwards it with its own span as parent', async () => {
    const body = await echo({ 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    expect(body.trace).toMatchObject({
      trace_id: TRACE_128,
      parent_span_id: SPAN,
      sampled: true,
      continued: true,
      formats_received: ['b3multi'],
    });
    const next = body.downstream[0]?.body;
    expect(next?.headers['x-b3-traceid']).toBe(TRACE_128);
    expect(next?.headers['x-b3-sampled']).toBe('1');
    expect(next?.trace.trace_id).toBe(TRACE_128);

    await waitForChain(TRACE_128);
    const spans = spansOf(TRACE_128);
    const server = spans.find((span) => span.kind === 'SERVER' && span.localEndpoint?.serviceName === 'backend');
    const client = spans.find((span) => span.kind === 'CLIENT' && span.localEndpoint?.serviceName === 'backend');
    const nextServer = spans.find((span) => span.localEndpoint?.serviceName === 'backend-2');
    expect(server?.parentId).toBe(SPAN);
    expect(server?.id).toBe(body.trace.span_id);
    expect(client?.parentId).toBe(server?.id);
    // The next hop's parent is the CLIENT span that made the call, as sent in x-b3-spanid.
    expect(nextServer?.parentId).toBe(client?.id);
    expect(next?.headers['x-b3-spanid']).toBe(client?.id);
  });

  it('left-pads a 64-bit trace id to 128 bits', async () => {
    const body = await echo({ 'x-b3-traceid': TRACE_64, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    expect(body.trace.trace_id).toBe(`0000000000000000${TRACE_64}`);
    expect(body.trace.parent_span_id).toBe(SPAN);
  });

  it('continues a single b3 header', async () => {
    const body = await echo({ b3: `${OTHER_TRACE}-${SPAN}-1` });
    expect(body.trace).toMatchObject({
      trace_id: OTHER_TRACE,
      parent_span_id: SPAN,
      sampled: true,
      formats_received: ['b3'],
    });
    // Downstream calls use the multi-header form Envoy reads, never the single header.
    expect(body.downstream[0]?.body?.headers['x-b3-traceid']).toBe(OTHER_TRACE);
    expect(body.downstream[0]?.body?.headers.b3).toBeUndefined();
  });

  it('continues traceparent alone, and sends both formats on', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const body = await echo({ traceparent: `00-${traceId}-${OTHER_SPAN}-01` });
    expect(body.trace).toMatchObject({ trace_id: traceId, parent_span_id: OTHER_SPAN, continued: true });
    const sent = body.downstream[0]?.body?.headers ?? {};
    expect(sent.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(sent['x-b3-traceid']).toBe(traceId);
  });

  it('trusts B3 over traceparent when both arrive (Envoy rewrites only x-b3-spanid)', async () => {
    const body = await echo({
      'x-b3-traceid': TRACE_128,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      traceparent: `00-${OTHER_TRACE}-${OTHER_SPAN}-01`,
    });
    expect(body.trace).toMatchObject({ trace_id: TRACE_128, parent_span_id: SPAN });
    expect(body.trace.formats_received).toEqual(['b3multi', 'traceparent']);
  });

  it('treats x-b3-flags: 1 as debug: sampled, and passed on downstream', async () => {
    const traceId = '11111111111111111111111111111111';
    const body = await echo({ 'x-b3-traceid': traceId, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' });
    expect(body.trace).toMatchObject({ trace_id: traceId, sampled: true, debug: true });
    expect(body.downstream[0]?.body?.headers['x-b3-flags']).toBe('1');
    await waitForChain(traceId);
  });

  it('honours x-b3-sampled: 0: no spans exported, and the decision is passed on', async () => {
    const unsampled = '22222222222222222222222222222222';
    const body = await echo({ 'x-b3-traceid': unsampled, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' });
    expect(body.trace).toMatchObject({ trace_id: unsampled, sampled: false, continued: true });
    expect(body.downstream[0]?.body?.headers['x-b3-sampled']).toBe('0');
    expect(body.downstream[0]?.body?.trace.sampled).toBe(false);

    // A sampled request sent afterwards is exported; the unsampled one, sent first, never is.
    const marker = '33333333333333333333333333333333';
    await echo({ 'x-b3-traceid': marker, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    await waitForChain(marker);
    expect(spansOf(unsampled)).toEqual([]);
  });

  it('decides itself when B3 ids arrive without a sampling decision (deferred, as Envoy does)', async () => {
    const traceId = '44444444444444444444444444444444';
    const body = await echo({ 'x-b3-traceid': traceId, 'x-b3-spanid': SPAN });
    expect(body.trace).toMatchObject({ trace_id: traceId, parent_span_id: SPAN, continued: true, sampled: true });
    expect(body.downstream[0]?.body?.headers['x-b3-sampled']).toBe('1');
    await waitForChain(traceId);
  });

  it.each([
    [
      'a non-hex trace id',
      { 'x-b3-traceid': 'not-a-trace-id-at-all-0000000000', 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    ],
    ['an all-zero trace id', { 'x-b3-traceid': '0'.repeat(32), 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }],
    ['a truncated span id', { 'x-b3-traceid': TRACE_128, 'x-b3-spanid': 'a2fb', 'x-b3-sampled': '1' }],
    ['a garbage b3 header', { b3: 'garbage-in' }],
    ['a malformed traceparent', { traceparent: '00-xyz-123-01' }],
    ['an oversized traceparent', { traceparent: `00-${'f'.repeat(2000)}` }],
  ])('starts a new root trace for %s, and answers 200', async (_case, headers) => {
    const body = await echo(headers);
    expect(body.trace.continued).toBe(false);
    expect(body.trace.parent_span_id).toBeUndefined();
    expect(body.trace.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.trace.trace_id).not.toBe(TRACE_128);
    expect(body.trace.trace_id).not.toBe('0'.repeat(32));
    expect(body.trace.sampled).toBe(true);
  });

  it('forwards x-request-id downstream unchanged, and invents none', async () => {
    const requestId = 'f1a4d3a0-5c1e-4d5b-9b1a-2f0c9e8d7b6a';
    const body = await echo({ 'x-request-id': requestId, 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN });
    expect(body.downstream[0]?.body?.headers['x-request-id']).toBe(requestId);
    const without = await echo({});
    expect(without.downstream[0]?.body?.headers['x-request-id']).toBeUndefined();
  });

  it('reports the call it made to each downstream: its CLIENT span, whether it propagated, and when', async () => {
    const body = await echo({ 'x-b3-traceid': TRACE_128, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    const call = body.downstream[0];
    // The CLIENT span the backend reports is the parent the next hop reports: one hop hands over to the next.
    expect(call?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(call?.body?.trace.parent_span_id).toBe(call?.span_id);
    expect(call?.propagated).toBe(true);
    expect(call?.started_ms).toBeGreaterThanOrEqual(0);
    expect(body.elapsed_ms).toBeGreaterThanOrEqual((call?.started_ms ?? 0) + (call?.duration_ms ?? 0));
  });

  it('reports x-request-id, tracestate and baggage as they arrived at each hop', async () => {
    const body = await echo({
      traceparent: `00-${OTHER_TRACE}-${OTHER_SPAN}-01`,
      tracestate: 'congo=t61rcWkgMzE',
      baggage: 'tenant=blue',
      'x-request-id': 'edge-7',
    });
    expect(body.trace).toMatchObject({
      x_request_id: 'edge-7',
      tracestate: 'congo=t61rcWkgMzE',
      baggage: 'tenant=blue',
    });
    // Carried on by the propagators (tracestate, baggage) and the forwarded-header list (x-request-id).
    expect(body.downstream[0]?.body?.trace).toMatchObject({
      x_request_id: 'edge-7',
      tracestate: 'congo=t61rcWkgMzE',
      baggage: 'tenant=blue',
    });
  });
});
