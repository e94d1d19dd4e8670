import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';

/**
 * A shutdown always finishes its steps inside SHUTDOWN_TIMEOUT_MS and exits 0: a delayed request
 * is cut short when the drain begins (or when its client goes away), a request still running
 * when the drain's share of the budget is up loses its connection, and the span flush still runs
 * and prints its line. Real processes, real sockets, a real Zipkin endpoint.
 */

let zipkin: ZipkinReceiver;
const closers: (() => unknown)[] = [];
beforeEach(async () => {
  zipkin = await startZipkinReceiver();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await zipkin.close();
});

async function backendWith(env: Record<string, string>): Promise<ServiceProcess> {
  const backend = await startService('backend', {
    env: {
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
      // Nothing is exported on a timer: only the shutdown flush delivers spans.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      LOG_LEVEL: 'debug',
      ...env,
    },
  });
  closers.push(() => backend.stop('SIGKILL'));
  return backend;
}

const delaying = (backend: ServiceProcess) => backend.logs.filter((line) => line.msg === 'delaying the answer').length;
const flushLine = (backend: ServiceProcess) =>
  backend.logs.find((line) => line.msg === 'shutdown step done' && line.step === 'span export');

describe('SIGTERM with 20 requests delayed 30 s', () => {
  it('cuts the delays short (503), flushes their 20 spans, prints the flush line and exits 0', async () => {
    // A budget long enough to allow 30 s delays (they are capped at half of it).
    const backend = await backendWith({
      MAX_DELAY_MS: '30000',
      SHUTDOWN_TIMEOUT_MS: '60000',
      SOCKET_TIMEOUT_MS: '60000',
    });
    const answers = Array.from({ length: 20 }, () => fetch(`${backend.url}/?delay_ms=30000`));
    await eventually(() => delaying(backend) === 20, 'all 20 requests waiting');

    backend.child.kill('SIGTERM');
    // Had the delays run their course, these would take 30 s: longer than this test may run.
    const cut = await Promise.all(answers);
    expect(cut.map((answer) => answer.status)).toEqual(Array(20).fill(503));
    expect(await cut[0]?.json()).toEqual({ error: 'shutting down', reason: 'the 30000 ms delay was cut short' });
    expect(await backend.exited).toBe(0);

    expect(flushLine(backend)).toMatchObject({ level: 'info', result: { exported: 20, failed: 0, dropped: 0 } });
    const servers = zipkin.spans.filter((span) => span.kind === 'SERVER');
    expect(servers).toHaveLength(20);
    expect(servers.every((span) => span.tags?.['meshtrace.fault.delay_ms'] === '30000')).toBe(true);
    expect(servers.every((span) => span.tags?.['http.response.status_code'] === '503')).toBe(true);
    expect(backend.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });

  it('caps a delay at half of SHUTDOWN_TIMEOUT_MS even when MAX_DELAY_MS allows more', async () => {
    const backend = await backendWith({ MAX_DELAY_MS: '30000', SHUTDOWN_TIMEOUT_MS: '10000' });
    const answer = await fetch(`${backend.url}/?delay_ms=5001`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      reason: '?delay_ms=5001 is out of bounds: expected an integer from 0 to 5000',
    });
  });
});

describe('a client that goes away', () => {
  it('cuts its delay short: the request does nothing more (no downstream call)', async () => {
    let calls = 0;
    const next: Server = createServer((_req, res) => {
      calls++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => next.listen(0, '127.0.0.1', resolve));
    closers.push(() => next.close());
    const backend = await backendWith({
      DOWNSTREAM_URLS: `http://127.0.0.1:${(next.address() as AddressInfo).port}/`,
    });
    const { port } = new URL(backend.url);
    // A 300 ms delay, abandoned by its client as soon as it starts.
    const socket = connect(Number(port), '127.0.0.1');
    socket.write('GET /?delay_ms=300 HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => delaying(backend) === 1, 'the delay started');
    socket.destroy();
    // A second request that waits longer, then calls the downstream: once it has answered, the
    // first one's 300 ms are long over, and only the second called the downstream.
    expect((await fetch(`${backend.url}/?delay_ms=600`)).status).toBe(200);
    expect(calls).toBe(1);
  });
});

describe('a request still running when the drain time is up', () => {
  it('loses its connection at three quarters of the budget; the flush still runs; exit 0', async () => {
    // A downstream that answers its first call and never the next ones.
    let calls = 0;
    const downstream: Server = createServer((_req, res) => {
      if (++calls === 1) res.end('{}');
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      downstream.closeAllConnections();
      downstream.close();
    });
    const backend = await backendWith({
      DOWNSTREAM_URLS: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/`,
      DOWNSTREAM_TIMEOUT_MS: '60000',
      SOCKET_TIMEOUT_MS: '120000',
      SHUTDOWN_TIMEOUT_MS: '2000',
    });
    expect((await fetch(`${backend.url}/served-before`)).status).toBe(200);
    const stuck = fetch(`${backend.url}/stuck`).then(
      (answer) => answer.status,
      () => 'connection closed',
    );
    await eventually(() => calls === 2, 'the second downstream call is in flight');
    backend.child.kill('SIGTERM');
    expect(await stuck).toBe('connection closed');
    expect(await backend.exited).toBe(0);
    expect(backend.logs.find((line) => String(line.msg).startsWith('shutdown: draining took too long'))).toMatchObject({
      level: 'warn',
      step: 'http server',
    });
    // The flush ran after the cut, and delivered what was queued.
    expect(flushLine(backend)).toMatchObject({ result: { failed: 0, dropped: 0 } });
    expect(zipkin.spans.map((span) => span.tags?.['url.path'])).toContain('/served-before');
    expect(backend.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });
});
