import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tracedRequest } from '../src/traced-request.ts';
import { type InProcessTracing, installTracing } from './helpers/in-process-tracing.ts';

/** The undici client helper on its own, against loopback servers. */

let tracer: InProcessTracing;
let target: Server;
let url: string;
let received: IncomingHttpHeaders = {};
/** Accepts connections and never answers. */
let silent: Server;
let silentUrl: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  tracer = installTracing();
  target = createServer((req, res) => {
    received = req.headers;
    res.statusCode = req.url === '/broken' ? 503 : 200;
    res.end('hello');
  });
  url = await listen(target);
  silent = createServer(() => {});
  silentUrl = await listen(silent);
});

afterAll(async () => {
  for (const server of [target, silent]) {
    server.closeAllConnections();
    server.close();
  }
  await tracer.uninstall();
});

beforeEach(() => {
  tracer.memory.reset();
  received = {};
});

const clientSpans = () => tracer.memory.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT);

describe('tracedRequest', () => {
  it('records a CLIENT span under the active span and sends its ids on', async () => {
    const parent = trace.getTracer('test').startSpan('tick');
    const answer = await context.with(trace.setSpan(context.active(), parent), () =>
      tracedRequest(`${url}/hello`, { timeoutMs: 5000, headers: { 'x-request-id': 'r-1' } }),
    );
    parent.end();
    expect(answer).toMatchObject({ ok: true, status: 200, body: 'hello' });
    const [client] = clientSpans();
    expect(client?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(client?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${url}/hello`,
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
    });
    const { traceId, spanId } = client?.spanContext() ?? {};
    expect(answer.traceId).toBe(traceId);
    expect(received).toMatchObject({
      'x-b3-traceid': traceId,
      'x-b3-spanid': spanId,
      'x-b3-sampled': '1',
      // Sampled, and random: a trace started here has the SDK's random ids (W3C Level 2).
      traceparent: `00-${traceId}-${spanId}-03`,
      'x-request-id': 'r-1',
    });
  });

  it('marks a 5xx answer as a failed call', async () => {
    const answer = await tracedRequest(`${url}/broken`, { timeoutMs: 5000 });
    expect(answer).toMatchObject({ ok: true, status: 503 });
    expect(clientSpans()[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(clientSpans()[0]?.attributes['error.type']).toBe('503');
  });

  it.each([
    ['connection', (): string => 'http://127.0.0.1:1/'],
    ['timeout', (): string => silentUrl],
    ['invalid-url', (): string => 'not a url'],
  ] as const)('never throws: a %s failure comes back as a value and marks the span', async (failure, target) => {
    const answer = await tracedRequest(target(), { timeoutMs: 200 });
    expect(answer).toMatchObject({ ok: false, failure });
    expect(clientSpans()[0]?.attributes['error.type']).toBe(failure);
  });

  it('sends no trace headers with propagate: false, and records nothing with traced: false', async () => {
    await tracedRequest(url, { timeoutMs: 5000, propagate: false });
    expect(clientSpans()).toHaveLength(1);
    expect(received['x-b3-traceid']).toBeUndefined();
    expect(received.traceparent).toBeUndefined();
    tracer.memory.reset();
    await tracedRequest(url, { timeoutMs: 5000, traced: false });
    expect(clientSpans()).toHaveLength(0);
    expect(received.traceparent).toBeUndefined();
  });
});
