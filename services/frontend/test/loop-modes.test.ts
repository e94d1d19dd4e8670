import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';

let zipkin: ZipkinReceiver;
let target: Server;
let targetPort: number;
const seen: IncomingHttpHeaders[] = [];

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function recordingTarget(): Server {
  return createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok\n');
  });
}

beforeEach(async () => {
  seen.length = 0;
  zipkin = await startZipkinReceiver();
  target = recordingTarget();
  targetPort = await listen(target);
});

afterEach(async () => {
  target.closeAllConnections();
  target.close();
  await zipkin.close();
});

describe('LOOP_MODE', () => {
  it('generate: sends B3 multi-headers and traceparent for a new sampled root trace', async () => {
    const frontend = await startService('frontend', {
      env: {
        TARGET_URL: `http://127.0.0.1:${targetPort}/`,
        LOOP_INTERVAL_MS: '50',
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
      },
    });
    await eventually(() => seen.length >= 2);
    await frontend.stop();
    const [first, second] = seen;
    expect(first?.['x-b3-traceid']).toMatch(/^[0-9a-f]{32}$/);
    expect(first?.['x-b3-spanid']).toMatch(/^[0-9a-f]{16}$/);
    expect(first?.['x-b3-sampled']).toBe('1');
    // Sampled, and random: the tick's trace id is the SDK's random one (W3C Level 2).
    expect(first?.traceparent).toBe(`00-${first?.['x-b3-traceid']}-${first?.['x-b3-spanid']}-03`);
    expect(first?.b3).toBeUndefined();
    // Each tick is its own trace.
    expect(second?.['x-b3-traceid']).not.toBe(first?.['x-b3-traceid']);
  });

  it('headerless: sends no trace headers and reports no spans, like the tutorial curl', async () => {
    const frontend = await startService('frontend', {
      env: {
        TARGET_URL: `http://127.0.0.1:${targetPort}/`,
        LOOP_INTERVAL_MS: '50',
        LOOP_MODE: 'headerless',
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
    await eventually(() => seen.length >= 3);
    expect(await frontend.stop()).toBe(0);
    for (const headers of seen) {
      expect(
        Object.keys(headers).filter((name) => name.startsWith('x-b3-') || name === 'traceparent' || name === 'b3'),
      ).toEqual([]);
    }
    expect(zipkin.spans).toEqual([]);
    const tick = frontend.logs.find((line) => line.status !== undefined);
    expect(tick).toMatchObject({ status: 200, msg: expect.stringMatching(/ traceID=- spanID=-$/) });
    expect(tick).not.toHaveProperty('client_span_id');
    expect(tick).not.toHaveProperty('trace_id');
  });

  it('off: no loop, the server still answers', async () => {
    const frontend = await startService('frontend', {
      env: { TARGET_URL: `http://127.0.0.1:${targetPort}/`, LOOP_INTERVAL_MS: '20', LOOP_MODE: 'off' },
    });
    // The loop's own status says it never ran: no sleep hoping a tick would have shown up.
    const status = (await (await fetch(`${frontend.url}/loop`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ mode: 'off', state: 'off', sent: 0 });
    expect(seen).toEqual([]);
    expect((await fetch(`${frontend.url}/healthz`)).status).toBe(200);
    await frontend.stop();
  });
});

describe('a slow or dead target', () => {
  it('fails ticks with an error span and a log line, without piling up, and recovers when the target returns', async () => {
    // A port where nothing listens yet.
    const probe = createServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));

    const frontend = await startService('frontend', {
      env: {
        TARGET_URL: `http://127.0.0.1:${port}/`,
        LOOP_INTERVAL_MS: '50',
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
    });
    try {
      await eventually(() => frontend.logs.filter((line) => line.error === 'connection').length >= 3);
      const failed = frontend.logs.find((line) => line.error === 'connection');
      expect(failed).toMatchObject({ level: 'warn', status: 0, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
      await zipkin.waitFor((all) => all.some((span) => span.id === failed?.client_span_id));
      expect(zipkin.spans.find((span) => span.id === failed?.client_span_id)?.tags).toMatchObject({
        'otel.status_code': 'ERROR',
        'error.type': 'connection',
      });

      const back = recordingTarget();
      await listen(back, port);
      try {
        await eventually(() => frontend.logs.some((line) => line.status === 200));
      } finally {
        back.closeAllConnections();
        back.close();
      }
    } finally {
      await frontend.stop();
    }
  });

  it('times out a hung target per tick and never has two calls in flight', async () => {
    let open = 0;
    let maxOpen = 0;
    const hung = createServer((req) => {
      open++;
      maxOpen = Math.max(maxOpen, open);
      req.socket.on('close', () => open--);
    });
    const port = await listen(hung);
    const frontend = await startService('frontend', {
      env: {
        TARGET_URL: `http://127.0.0.1:${port}/`,
        LOOP_INTERVAL_MS: '20',
        REQUEST_TIMEOUT_MS: '100',
        OTEL_SDK_DISABLED: 'true',
      },
    });
    try {
      await eventually(() => frontend.logs.filter((line) => line.error === 'timeout').length >= 3);
      expect(maxOpen).toBe(1);
    } finally {
      await frontend.stop();
      hung.closeAllConnections();
      hung.close();
    }
  });
});
