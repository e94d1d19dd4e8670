import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A dead or hung downstream shows in the answer and on the span, never as a crash. */

let zipkin: ZipkinReceiver;
let hung: Server;
let backend: ServiceProcess;
let hungUrl: string;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  // Accepts connections and reads requests, but never answers.
  hung = createServer(() => {});
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`;
  backend = await startService('backend', {
    env: {
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      // Port 9 (discard) on loopback: nothing listens, so the connection is refused.
      DOWNSTREAM_URLS: `${hungUrl},http://127.0.0.1:9/`,
      DOWNSTREAM_TIMEOUT_MS: '300',
    },
  });
});

afterAll(async () => {
  await backend?.stop();
  hung?.closeAllConnections();
  hung?.close();
  await zipkin?.close();
});

describe('failing downstreams', () => {
  it('reports a timeout and a refused connection in the answer, within the timeout', async () => {
    // The hung downstream never answers: an answer at all, with code `timeout`, is the proof
    // that DOWNSTREAM_TIMEOUT_MS cut the call short (no wall-clock bound, which load would break).
    const response = await fetch(`${backend.url}/?format=json`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { trace: { trace_id: string }; downstream: unknown[] };
    expect(body.downstream).toEqual([
      expect.objectContaining({ url: hungUrl, ok: false, error: expect.objectContaining({ code: 'timeout' }) }),
      expect.objectContaining({
        url: 'http://127.0.0.1:9/',
        ok: false,
        error: expect.objectContaining({ code: 'connection' }),
      }),
    ]);

    const spans = await zipkin.waitFor(
      (all) => all.filter((span) => span.traceId === body.trace.trace_id && span.kind === 'CLIENT').length === 2,
    );
    const clients = spans.filter((span) => span.traceId === body.trace.trace_id && span.kind === 'CLIENT');
    for (const client of clients) {
      expect(client.tags?.['otel.status_code']).toBe('ERROR');
    }
    expect(clients.map((span) => span.tags?.['error.type']).sort()).toEqual(['connection', 'timeout']);
  });

  it('keeps serving after failures', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${backend.url}/`)));
    expect(answers.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect((await fetch(`${backend.url}/healthz`)).status).toBe(200);
    expect(backend.child.exitCode).toBeNull();
  });
});
