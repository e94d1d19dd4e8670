import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';

let zipkin: ZipkinReceiver;
let slow: Server;
let slowUrl: string;
let received = 0;

beforeEach(async () => {
  zipkin = await startZipkinReceiver();
  received = 0;
  // A downstream that takes 400 ms, so requests are in flight when SIGTERM arrives.
  slow = createServer((_req, res) => {
    received++;
    setTimeout(() => res.end('slow'), 400);
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  slow.closeAllConnections();
  slow.close();
  await zipkin.close();
});

describe('graceful shutdown', () => {
  it('on SIGTERM: readiness fails first, in-flight requests finish, their spans are exported, exit 0', async () => {
    const backend = await startService('backend', {
      env: {
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
        // Nothing is exported on a timer during the test: only the shutdown flush can deliver these spans.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        DOWNSTREAM_URLS: slowUrl,
        // Long enough that the /readyz request below, sent once the log line has been read,
        // lands inside the delay even on a loaded machine.
        SHUTDOWN_DELAY_MS: '2000',
      },
    });
    const inFlight = Array.from({ length: 5 }, () => fetch(`${backend.url}/?format=json`));
    await eventually(() => received === 5);

    backend.child.kill('SIGTERM');
    await eventually(() => backend.logs.some((line) => line.msg === 'shutting down'));
    // During the delay the server still answers, but says it is not ready.
    const readiness = await fetch(`${backend.url}/readyz`);
    expect(readiness.status).toBe(503);

    const answers = await Promise.all(inFlight);
    expect(answers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const traceIds = await Promise.all(
      answers.map(async (response) => ((await response.json()) as { trace: { trace_id: string } }).trace.trace_id),
    );

    expect(await backend.exited).toBe(0);
    const servers = zipkin.spans.filter((span) => span.kind === 'SERVER');
    expect(new Set(servers.map((span) => span.traceId))).toEqual(new Set(traceIds));
    expect(backend.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });

  it('finishes its shutdown when Ctrl-C is pressed twice', async () => {
    const backend = await startService('backend', {
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '600000', SHUTDOWN_DELAY_MS: '300' },
    });
    await fetch(`${backend.url}/twice`);
    backend.child.kill('SIGINT');
    await eventually(() => backend.logs.some((line) => line.msg === 'shutting down'));
    backend.child.kill('SIGINT');
    expect(await backend.exited).toBe(0);
    // The span of the request served before the signals was still flushed.
    expect(zipkin.spans.map((span) => span.tags?.['url.path'])).toContain('/twice');
  });

  it('exits 0 on SIGINT too, and when a shutdown delay outlasts the budget, it is cut short, still exit 0', async () => {
    const quick = await startService('backend', { env: { OTEL_SDK_DISABLED: 'true' } });
    expect(await quick.stop('SIGINT')).toBe(0);

    const slowToStop = await startService('backend', {
      env: { OTEL_SDK_DISABLED: 'true', SHUTDOWN_TIMEOUT_MS: '400', SHUTDOWN_DELAY_MS: '60000' },
    });
    expect(await slowToStop.stop('SIGTERM')).toBe(0);
    expect(
      slowToStop.logs.find((line) => String(line.msg).startsWith('shutdown: draining took too long')),
    ).toMatchObject({ level: 'warn', step: 'delay' });
    expect(slowToStop.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });
});

describe('log correlation', () => {
  it('writes one access-log line per request, carrying the trace id, span id and flags', async () => {
    const backend = await startService('backend', { env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url } });
    try {
      const traceId = '5b8efff798038103d269b633813fc60c';
      await fetch(`${backend.url}/logged`, {
        headers: { 'x-b3-traceid': traceId, 'x-b3-spanid': 'eee19b7ec3c1b174', 'x-b3-sampled': '1' },
      });
      await fetch(`${backend.url}/healthz`);
      await eventually(() => backend.logs.some((line) => line.url === '/logged'));
      const access = backend.logs.filter((line) => typeof line.url === 'string');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        method: 'GET',
        url: '/logged',
        status: 200,
        trace_id: traceId,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        trace_flags: '01',
        service: 'backend',
      });
    } finally {
      await backend.stop();
    }
  });
});

describe('OTEL_SDK_DISABLED=true', () => {
  it('serves as usual, records and exports nothing, and still forwards x-request-id', async () => {
    const next = await startService('backend', {
      env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url },
    });
    const backend = await startService('backend', {
      env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, DOWNSTREAM_URLS: next.url },
    });
    try {
      const response = await fetch(`${backend.url}/?format=json`, { headers: { 'x-request-id': 'req-42' } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        trace: { enabled: boolean };
        downstream: Array<{ body: { headers: Record<string, string> } }>;
      };
      expect(body.trace.enabled).toBe(false);
      const sent = body.downstream[0]?.body.headers ?? {};
      expect(sent['x-request-id']).toBe('req-42');
      expect(sent['x-b3-traceid']).toBeUndefined();
    } finally {
      await Promise.all([backend.stop(), next.stop()]);
    }
    expect(zipkin.spans).toEqual([]);
  });
});
