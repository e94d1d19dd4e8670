import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startZipkinReceiver, type ZipkinReceiver } from '../src/zipkin-receiver.ts';

/** The collector stand-in over real HTTP: what it accepts, what it refuses, and what it keeps. */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';

let receiver: ZipkinReceiver;
beforeEach(async () => {
  receiver = await startZipkinReceiver();
});
afterEach(async () => {
  await receiver.close();
});

const post = (url: string, body: string | Uint8Array, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', body, headers });

describe('startZipkinReceiver', () => {
  it('answers a Zipkin v2 upload 202 and keeps its spans and its headers', async () => {
    const waiting = receiver.waitFor((spans) => spans.length === 1, 5_000);
    const span = { traceId: TRACE, id: SPAN, name: 'get /', localEndpoint: { serviceName: 'backend' } };
    const response = await post(receiver.url, JSON.stringify([span]), { 'content-type': 'application/json', b3: '0' });
    expect(response.status).toBe(202);
    expect(await waiting).toEqual([span]);
    expect(receiver.uploads.map((headers) => headers.b3)).toEqual(['0']);
  });

  it('answers an OTLP/HTTP JSON upload, gzipped or not, 200 with an empty response in the same encoding', async () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'frontend' } }] },
          scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: 'tick', kind: 3 }] }],
        },
      ],
    });
    const json = { 'content-type': 'application/json' };
    const plain = await post(receiver.otlpUrl, body, json);
    const gzipped = await post(receiver.otlpUrl, gzipSync(body), { ...json, 'content-encoding': 'gzip' });
    for (const response of [plain, gzipped]) {
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe('{}');
    }
    expect(receiver.otlpSpans).toMatchObject([
      { traceId: TRACE, spanId: SPAN, service: 'frontend', kind: 'CLIENT' },
      { traceId: TRACE, spanId: SPAN, service: 'frontend', kind: 'CLIENT' },
    ]);
    expect(receiver.uploads).toHaveLength(2);
  });

  it.each([
    ['a span with a malformed id', [{ traceId: TRACE, id: 'not-hex' }], 400],
    ['an object instead of an array', { traceId: TRACE, id: SPAN }, 400],
  ])('refuses %s with 400, as Zipkin does, and keeps nothing', async (_what, body, status) => {
    const response = await post(receiver.url, JSON.stringify(body), { 'content-type': 'application/json' });
    expect(response.status).toBe(status);
    expect(receiver.spans).toEqual([]);
    expect(receiver.uploads).toEqual([]);
  });

  it('answers 404 off its two paths and 405 to anything but POST', async () => {
    expect((await post(receiver.url.replace('/api/v2/spans', '/api/v1/spans'), '[]', {})).status).toBe(404);
    expect((await fetch(receiver.url)).status).toBe(405);
  });
});
