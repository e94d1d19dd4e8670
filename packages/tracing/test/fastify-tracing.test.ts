import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tracing } from '../src/fastify-tracing.ts';
import { type InProcessTracing, installTracing } from './helpers/in-process-tracing.ts';

/** The Fastify plugin on its own: one SERVER span per request, in-process with inject(). */

let tracer: InProcessTracing;
let app: FastifyInstance;
let activeInHandler: string | undefined;

beforeAll(() => {
  tracer = installTracing();
});
afterAll(() => tracer.uninstall());

beforeEach(async () => {
  tracer.useSampler('parentbased_always_on');
  tracer.memory.reset();
  app = Fastify();
  await app.register(tracing, { ignore: (request) => request.url === '/healthz' });
  app.get('/items/:id', async (request) => {
    activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
    return { id: (request.params as { id: string }).id };
  });
  app.get('/fail', async () => {
    throw new Error('boom');
  });
  app.get('/missing', async (_request, reply) => reply.code(404).send());
  app.get('/healthz', async () => 'ok');
});
afterEach(() => app.close());

const server = () => tracer.memory.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);

describe('tracing plugin', () => {
  it('records one SERVER span per request, named by route, with HTTP semantic conventions', async () => {
    await app.inject({ url: '/items/42?full=1', headers: { host: 'shop.local:8080', 'user-agent': 'curl/8' } });
    expect(server()).toHaveLength(1);
    const [span] = server();
    expect(span?.name).toBe('GET /items/:id');
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/items/42',
      'url.scheme': 'http',
      'http.route': '/items/:id',
      'server.address': 'shop.local',
      'server.port': 8080,
      'user_agent.original': 'curl/8',
      'http.response.status_code': 200,
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('runs the handler inside the span, so client calls and log lines join it', async () => {
    await app.inject({ url: '/items/1' });
    expect(activeInHandler).toBe(server()[0]?.spanContext().spanId);
  });

  it('marks 5xx as an error with the exception, and leaves 4xx (the caller’s mistake) unset', async () => {
    await app.inject({ url: '/fail' });
    await app.inject({ url: '/missing' });
    const [failed, missing] = server();
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes['error.type']).toBe('500');
    expect(failed?.events.map((event) => event.name)).toEqual(['exception']);
    expect(missing?.status.code).toBe(SpanStatusCode.UNSET);
    expect(missing?.attributes['http.response.status_code']).toBe(404);
  });

  it('answers traceresponse with our span, sampled and random flags (W3C Trace Context Level 2)', async () => {
    const sampled = await app.inject({ url: '/items/1' });
    const own = server()[0]?.spanContext();
    expect(sampled.headers.traceresponse).toBe(`00-${own?.traceId}-${own?.spanId}-03`);
    tracer.useSampler('parentbased_always_off');
    const dropped = await app.inject({ url: '/items/1' });
    expect(dropped.headers.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-02$/);
  });

  it('records nothing for ignored requests (probes)', async () => {
    const response = await app.inject({ url: '/healthz' });
    expect(response.headers.traceresponse).toBeUndefined();
    expect(tracer.memory.getFinishedSpans()).toEqual([]);
  });
});

describe("incomingContext: 'link', for a service whose callers are not trusted", () => {
  const TRACE = '463ac35c9f6413ad48485a3953bb6124';
  const SPAN = 'a2fb4a1d1a96d312';
  let edge: FastifyInstance;
  beforeEach(async () => {
    edge = Fastify();
    await edge.register(tracing, { incomingContext: 'link' });
    edge.get('/', async () => 'ok');
  });
  afterEach(() => edge.close());

  it('starts a new trace, with no parent, and keeps the caller’s span as a link', async () => {
    await edge.inject({
      url: '/',
      headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1', baggage: 'tenant=blue' },
    });
    const [span] = server();
    expect(span?.spanContext().traceId).not.toBe(TRACE);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([[TRACE, SPAN]]);
  });

  it.each([
    ['x-b3-sampled: 1', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }],
    ['x-b3-flags: 1 (debug)', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' }],
    ['b3: {ids}-d', { b3: `${TRACE}-${SPAN}-d` }],
    ['b3: 1, with no ids', { b3: '1' }],
    ['traceparent, sampled', { traceparent: `00-${TRACE}-${SPAN}-01` }],
  ])('does not let %s force sampling: the sampler alone decides', async (_name, headers) => {
    tracer.useSampler('parentbased_always_off');
    const response = await edge.inject({ url: '/', headers });
    expect(tracer.memory.getFinishedSpans()).toEqual([]);
    // Our own new trace, not sampled, random (W3C Level 2 traceresponse).
    expect(response.headers.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-02$/);
    expect(response.headers.traceresponse).not.toContain(TRACE);
  });

  it('starts a plain new trace, with no link, when nothing valid arrived', async () => {
    await edge.inject({ url: '/', headers: { 'x-b3-traceid': 'not-hex' } });
    expect(server()[0]?.links).toEqual([]);
  });
});
