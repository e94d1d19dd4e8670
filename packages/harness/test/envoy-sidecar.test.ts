import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSidecarTrail, SIDECAR_TRAIL, type Sidecar, startSidecar } from '../src/envoy-sidecar.ts';
import type { MeshProvider } from '../src/index.ts';
import { startZipkinReceiver, type ZipkinReceiver } from '../src/zipkin-receiver.ts';

/**
 * The simulated sidecars over real HTTP on loopback: app → outbound sidecar →
 * inbound sidecar → app, spans posted to a real Zipkin endpoint.
 */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const REQUEST_ID = 'f1a4d3a0-5c1e-4d5b-9b1a-2f0c9e8d7b6a';

let zipkin: ZipkinReceiver;
let app: Server;
let appUrl: string;
let received: IncomingHttpHeaders[];
const sidecars: Sidecar[] = [];

beforeEach(async () => {
  received = [];
  zipkin = await startZipkinReceiver();
  app = createServer((req, res) => {
    received.push(req.headers);
    res.writeHead(req.url === '/broken' ? 500 : 200, { 'content-type': 'text/plain', 'x-app': 'callee' });
    res.end('hello from the app');
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  await Promise.all(sidecars.splice(0).map((sidecar) => sidecar.close()));
  app.closeAllConnections();
  app.close();
  await zipkin.close();
});

/** frontend's outbound sidecar → backend's inbound sidecar → the app. */
async function mesh(tracer: MeshProvider, samplingPercent = 100): Promise<string> {
  const common = { tracer, samplingPercent, zipkinUrl: zipkin.url, flushIntervalMs: 20, upstreamApp: 'backend' };
  const inbound = await startSidecar({ ...common, app: 'backend', direction: 'inbound', upstream: appUrl });
  const outbound = await startSidecar({ ...common, app: 'frontend', direction: 'outbound', upstream: inbound.url });
  sidecars.push(outbound, inbound);
  return outbound.url;
}

describe('a pair of simulated sidecars', () => {
  it('zipkin: a CLIENT and a SERVER span between the apps, x-b3-* rewritten to the SERVER span', async () => {
    const url = await mesh('zipkin');
    const response = await fetch(`${url}hello?x=1`, {
      headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1', 'x-request-id': REQUEST_ID },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-app')).toBe('callee');
    expect(await response.text()).toBe('hello from the app');

    const spans = await zipkin.waitFor((all) => all.length === 2);
    const client = spans.find((span) => span.kind === 'CLIENT');
    const server = spans.find((span) => span.kind === 'SERVER');
    expect(client).toMatchObject({
      traceId: TRACE,
      parentId: SPAN,
      name: 'backend.meshtrace.svc.cluster.local:5678/*',
      localEndpoint: { serviceName: 'frontend.meshtrace' },
      tags: {
        component: 'proxy',
        'http.status_code': '200',
        upstream_cluster: 'outbound|5678||backend.meshtrace.svc.cluster.local',
      },
    });
    expect(server).toMatchObject({
      traceId: TRACE,
      parentId: client?.id,
      localEndpoint: { serviceName: 'backend.meshtrace' },
    });
    // Both sidecars forward the id they were given, marked sampled in character 14.
    expect(server?.tags?.['guid:x-request-id']).toBe('f1a4d3a0-5c1e-9d5b-9b1a-2f0c9e8d7b6a');

    const [headers] = received;
    expect(headers).toMatchObject({
      'x-b3-traceid': TRACE,
      'x-b3-spanid': server?.id,
      'x-b3-parentspanid': client?.id,
      'x-b3-sampled': '1',
    });
    // The trail: what each sidecar saw and wrote, in order.
    const trail = readSidecarTrail(headers?.[SIDECAR_TRAIL] as string);
    expect(trail.map((pass) => [pass.sidecar, pass.kind, pass.sampled])).toEqual([
      ['frontend.meshtrace', 'CLIENT', true],
      ['backend.meshtrace', 'SERVER', true],
    ]);
    expect(trail[0]?.before['x-b3-spanid']).toBe(SPAN);
    expect(trail[0]?.after['x-b3-spanid']).toBe(client?.id);
    expect(trail[1]?.before['x-b3-spanid']).toBe(client?.id);
  });

  it('opentelemetry: traceparent rewritten, x-b3-* still naming the calling app', async () => {
    const url = await mesh('opentelemetry');
    await fetch(url, {
      headers: {
        traceparent: `00-${TRACE}-${SPAN}-03`,
        'x-b3-traceid': TRACE,
        'x-b3-spanid': SPAN,
        'x-b3-sampled': '1',
      },
    });
    const spans = await zipkin.waitFor((all) => all.length === 2);
    const server = spans.find((span) => span.kind === 'SERVER');
    expect(received[0]?.traceparent).toBe(`00-${TRACE}-${server?.id}-01`);
    expect(received[0]?.['x-b3-spanid']).toBe(SPAN);
  });

  it('reports nothing for a request it does not sample, and says so downstream', async () => {
    const url = await mesh('zipkin', 0);
    await fetch(url, { headers: { 'x-request-id': REQUEST_ID } });
    expect(received[0]?.['x-b3-sampled']).toBe('0');
    // A sampled request afterwards is reported; the first one never is.
    await fetch(url, { headers: { 'x-b3-sampled': '1' } });
    const spans = await zipkin.waitFor((all) => all.length === 2);
    expect(spans.map((span) => span.traceId)).toEqual([received[1]?.['x-b3-traceid'], received[1]?.['x-b3-traceid']]);
  });

  it('answers 503 when the upstream is down, with an error span, as Envoy does', async () => {
    const down = await startSidecar({
      app: 'frontend',
      direction: 'outbound',
      upstream: 'http://127.0.0.1:9/',
      upstreamApp: 'backend',
      tracer: 'zipkin',
      zipkinUrl: zipkin.url,
      flushIntervalMs: 20,
    });
    sidecars.push(down);
    const response = await fetch(down.url);
    expect(response.status).toBe(503);
    const [span] = await zipkin.waitFor((all) => all.length === 1);
    expect(span?.tags).toMatchObject({ 'http.status_code': '503', error: 'true' });
  });
});
