import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * Probe and control routes are the operator's: they answer like every route (with
 * X-App-Name/X-App-Version), but never make a span, so `pnpm demo` and `verify` only judge
 * real requests. What changes the service (`POST /loop`, the readiness toggle) is only on the
 * admin listener; CONTROL_ROUTES=off removes that listener.
 */

let zipkin: ZipkinReceiver;
let target: Server;
let targetUrl: string;
let frontend: ServiceProcess | undefined;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  target = createServer((req, res) => req.resume().on('end', () => res.end('{"ok":true}')));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
});
afterEach(async () => {
  await frontend?.stop();
  frontend = undefined;
});
afterAll(async () => {
  target.closeAllConnections();
  target.close();
  await zipkin.close();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('operator routes', () => {
  it('probe and control routes make no span; the next real request does', async () => {
    frontend = await startService('frontend', {
      env: { TARGET_URL: targetUrl, OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    const { url, adminUrl } = frontend;
    const json = { 'content-type': 'application/json' };
    const operator = [
      () => fetch(`${url}/loop`),
      () => fetch(`${adminUrl}/loop`, { method: 'POST', headers: json, body: '{"action":"pause"}' }),
      () => fetch(`${adminUrl}/readyz/disable`, { method: 'POST', headers: json }),
      () => fetch(`${adminUrl}/readyz/enable`, { method: 'POST', headers: json }),
      () => fetch(`${url}/readyz`),
      () => fetch(`${url}/healthz`),
      () => fetch(`${url}/metrics`),
    ];
    // One after the other: sent together, /readyz could arrive between disable and enable (503).
    const statuses: number[] = [];
    for (const call of operator) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200]);
    // The loop is paused; a real request now, in a trace of our own.
    const answer = await fetch(`${url}/`, {
      headers: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    });
    expect(answer.status).toBe(200);
    // Spans are exported in the order they end: once this request's two have arrived, any
    // span of the operator requests (which ended before) would have arrived too.
    await zipkin.waitFor((all) => all.filter((span) => span.traceId === TRACE_ID).length >= 2);
    // The loop's own ticks are not SERVER spans of the frontend: every one of those is ours.
    const servers = zipkin.spans.filter((span) => span.kind === 'SERVER');
    expect(servers.map((span) => [span.traceId, span.name])).toEqual([[TRACE_ID, 'GET /']]);
  });

  it('answers with X-App-Name and X-App-Version, like the backend', async () => {
    frontend = await startService('frontend', {
      env: { TARGET_URL: targetUrl, LOOP_MODE: 'off', OTEL_SERVICE_NAME: 'frontend-canary', SERVICE_VERSION: '7.7.7' },
    });
    for (const path of ['/', '/healthz', '/loop', '/no-such-route']) {
      const response = await fetch(`${frontend.url}${path}`);
      expect([path, response.headers.get('x-app-name'), response.headers.get('x-app-version')]).toEqual([
        path,
        'frontend-canary',
        '7.7.7',
      ]);
    }
  });

  it('the traffic port has no route that changes the service; the admin listener has them', async () => {
    frontend = await startService('frontend', { env: { TARGET_URL: targetUrl, LOOP_RATE: '20' } });
    const json = { 'content-type': 'application/json' };
    const post = (base: string | undefined, path: string) =>
      fetch(`${base}${path}`, { method: 'POST', headers: json, body: '{"action":"pause"}' });
    for (const path of ['/loop', '/readyz/disable', '/readyz/enable'])
      expect([path, (await post(frontend.url, path)).status]).toEqual([path, 404]);
    expect(await (await fetch(`${frontend.url}/loop`)).json()).toMatchObject({ state: 'running' });
    expect((await fetch(`${frontend.url}/readyz`)).status).toBe(200);

    expect(await (await post(frontend.adminUrl, '/loop')).json()).toMatchObject({ state: 'paused' });
    expect(await (await fetch(`${frontend.url}/loop`)).json()).toMatchObject({ state: 'paused' });
  });

  it('a page cannot pause the loop: a no-cors POST without a body type, or any POST with Origin, changes nothing', async () => {
    frontend = await startService('frontend', { env: { TARGET_URL: targetUrl, LOOP_RATE: '20' } });
    const attempts = [
      fetch(`${frontend.adminUrl}/loop`, { method: 'POST' }),
      fetch(`${frontend.adminUrl}/loop`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"action":"pause"}',
      }),
      fetch(`${frontend.adminUrl}/loop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: frontend.url },
        body: '{"action":"pause"}',
      }),
    ];
    expect((await Promise.all(attempts)).map((response) => response.status)).toEqual([415, 415, 403]);
    expect(await (await fetch(`${frontend.url}/loop`)).json()).toMatchObject({ state: 'running' });
  });

  it('CONTROL_ROUTES=off: no admin listener; status stays readable', async () => {
    frontend = await startService('frontend', {
      env: { TARGET_URL: targetUrl, LOOP_MODE: 'off', CONTROL_ROUTES: 'off' },
    });
    expect(frontend.adminUrl).toBeUndefined();
    expect(frontend.logs.filter((line) => String(line.msg).includes('listening'))).toHaveLength(1);
    expect((await fetch(`${frontend.url}/loop`)).status).toBe(200);
    expect((await fetch(`${frontend.url}/readyz`)).status).toBe(200);
  });
});
