import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listenBackend, type RunningBackend } from './helpers.ts';

/** Latency, errors and sizes injected by environment or per request, and what the span says about them. */

let backend: RunningBackend | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
});

describe('faults from the environment', () => {
  it('answers ERROR_CODE at ERROR_RATE=1 on echo routes, never on health routes', async () => {
    backend = await listenBackend({ ERROR_RATE: '1', ERROR_CODE: '503' });
    expect((await fetch(`${backend.url}/`)).status).toBe(503);
    for (const path of ['/health', '/healthz', '/readyz'])
      expect((await fetch(`${backend.url}${path}`)).status).toBe(200);
  });

  it('delays echo answers by DELAY, at least', async () => {
    backend = await listenBackend({ DELAY: '60' });
    const started = performance.now();
    expect((await fetch(`${backend.url}/`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});

describe('faults per request', () => {
  it('answers the status asked for by header or by query', async () => {
    backend = await listenBackend();
    expect((await fetch(backend.url, { headers: { 'x-set-response-status-code': '418' } })).status).toBe(418);
    expect((await fetch(`${backend.url}/?status=503`)).status).toBe(503);
  });

  it('pads text and JSON answers to the size asked for', async () => {
    backend = await listenBackend({}, ['-text=hi']);
    const text = await fetch(backend.url, { headers: { 'x-set-response-size': '1000' } });
    expect((await text.arrayBuffer()).byteLength).toBe(1000);
    const json = await fetch(`${backend.url}/?format=json&size=5000`);
    const body = await json.text();
    expect(Buffer.byteLength(body)).toBe(5000);
    expect(JSON.parse(body)).toMatchObject({ path: '/' });
  });

  it('answers 400 with the reason when a request asks past MAX_DELAY_MS or MAX_RESPONSE_SIZE', async () => {
    backend = await listenBackend({ MAX_DELAY_MS: '100', MAX_RESPONSE_SIZE: '10' });
    const slow = await fetch(`${backend.url}/?delay_ms=100000`);
    expect(slow.status).toBe(400);
    expect(await slow.json()).toEqual({
      error: 'invalid fault request',
      reason: '?delay_ms=100000 is out of bounds: expected an integer from 0 to 100',
    });
    const big = await fetch(backend.url, { headers: { 'x-set-response-size': '11' } });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { reason: string }).reason).toMatch(/^x-set-response-size=11 is out of bounds/);
    const garbled = await fetch(backend.url, { headers: { 'x-set-response-status-code': 'teapot' } });
    expect(garbled.status).toBe(400);
  });
});

describe('faults on the server span', () => {
  let zipkin: ZipkinReceiver;
  let service: ServiceProcess;

  beforeAll(async () => {
    zipkin = await startZipkinReceiver();
    service = await startService('backend', {
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await zipkin?.close();
  });

  it('records the injected delay, status and size, and waits at least the delay', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const started = performance.now();
    const response = await fetch(`${service.url}/slow?delay_ms=40&size=100`, {
      headers: {
        'x-b3-traceid': traceId,
        'x-b3-spanid': 'eee19b7ec3c1b174',
        'x-b3-sampled': '1',
        'x-set-response-status-code': '502',
      },
    });
    expect(response.status).toBe(502);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    const spans = await zipkin.waitFor((all) => all.some((span) => span.traceId === traceId));
    const server = spans.find((span) => span.traceId === traceId && span.kind === 'SERVER');
    expect(server?.tags).toMatchObject({
      'meshtrace.fault.delay_ms': '40',
      'meshtrace.fault.injected_status': '502',
      'meshtrace.fault.response_size': '100',
    });
  });

  it('links the answer to its trace with a traceresponse header naming the server span', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await fetch(`${service.url}/?format=json`, {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    const body = (await response.json()) as { trace: { span_id: string } };
    expect(response.headers.get('traceresponse')).toBe(`00-${traceId}-${body.trace.span_id}-01`);
  });
});
