import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Trace context across real processes: a backend calling a second backend,
 * both exporting to a real Zipkin endpoint. Each propagation rule has its row
 * in packages/tracing/test/propagation.test.ts (in-process); here are only the
 * cases where processes and real exports are the point.
 */

const TRACE_128 = '463ac35c9f6413ad48485a3953bb6124';
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
  backend = await startService('backend', {
    env: {
      ...tracing,
      DOWNSTREAM_URLS: `${downstream.url}/next`,
      SERVICE_VERSION: '1.2.3',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=0.0.1,deployment.environment.name=dev',
    },
  });
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

describe('trace context across processes', () => {
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

  it('carries a debug trace across both hops: x-b3-flags: 1 and x-b3-sampled: 1 sent on, every span "debug": true', async () => {
    const body = await echo({ b3: `${OTHER_TRACE}-${SPAN}-d` });
    expect(body.trace).toMatchObject({ trace_id: OTHER_TRACE, sampled: true, debug: true });
    const next = body.downstream[0]?.body;
    expect(next?.headers['x-b3-flags']).toBe('1');
    // Envoy's zipkin tracer reads x-b3-sampled, never x-b3-flags: without it a sidecar could drop its span.
    expect(next?.headers['x-b3-sampled']).toBe('1');
    expect(next?.trace.debug).toBe(true);
    await waitForChain(OTHER_TRACE);
    expect(spansOf(OTHER_TRACE).map((span) => span.debug)).toEqual([true, true, true]);
  });

  it('honours b3: 0 without ids at both hops: nothing exported, the deny passed on', async () => {
    const body = await echo({ b3: '0' });
    expect(body.trace).toMatchObject({ sampled: false, continued: false });
    const next = body.downstream[0]?.body;
    expect(next?.headers['x-b3-sampled']).toBe('0');
    // Not sampled; random: the new trace's id is the SDK's random one (W3C Level 2).
    expect(next?.headers.traceparent).toMatch(/-02$/);
    expect(next?.trace).toMatchObject({ trace_id: body.trace.trace_id, sampled: false });

    // A sampled request sent afterwards is exported; the denied one, sent first, never is.
    const marker = '33333333333333333333333333333333';
    await echo({ 'x-b3-traceid': marker, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' });
    await waitForChain(marker);
    expect(spansOf(body.trace.trace_id)).toEqual([]);
  });

  it('reports one identity everywhere: spans, X-App-* headers, the echo, logs and metrics', async () => {
    // SERVICE_VERSION wins over service.version in OTEL_RESOURCE_ATTRIBUTES; the other attributes ride along.
    const traceId = '55555555555555555555555555555555';
    const response = await fetch(`${backend.url}/hello?format=json`, {
      headers: { 'x-b3-traceid': traceId, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
    });
    expect(response.headers.get('x-app-name')).toBe('backend');
    expect(response.headers.get('x-app-version')).toBe('1.2.3');
    expect(((await response.json()) as { service: unknown }).service).toEqual({ name: 'backend', version: '1.2.3' });
    await waitForChain(traceId);
    const server = spansOf(traceId).find((span) => span.localEndpoint?.serviceName === 'backend');
    expect(server?.tags).toMatchObject({ 'service.version': '1.2.3', 'deployment.environment.name': 'dev' });
    expect(backend.logs.length).toBeGreaterThan(0);
    for (const line of backend.logs) expect(line).toMatchObject({ service: 'backend', version: '1.2.3' });
    const metrics = await (await fetch(`${backend.url}/metrics`)).text();
    expect(metrics).toContain('target_info{service_name="backend",service_version="1.2.3"} 1');
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
