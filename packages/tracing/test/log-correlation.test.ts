import { context, trace } from '@opentelemetry/api';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceLogFields, tracing } from '../src/fastify-tracing.ts';
import { type InProcessTracing, installTracing } from './helpers/in-process-tracing.ts';

let tracer: InProcessTracing;
beforeAll(() => {
  tracer = installTracing();
});
afterAll(() => tracer.uninstall());

describe('traceLogFields (the pino mixin)', () => {
  it('adds nothing outside a span', () => {
    expect(traceLogFields()).toEqual({});
  });

  it("gives every line inside a request its SERVER span's ids and flags", async () => {
    const app = Fastify();
    await app.register(tracing);
    app.get('/', async () => traceLogFields());
    const response = await app.inject({ url: '/', headers: { b3: '0' } });
    await app.close();
    const [, traceId, spanId] = String(response.headers.traceresponse).split('-');
    // b3: 0 arrived: the request is not sampled, and its log lines say so.
    expect(response.json()).toEqual({ trace_id: traceId, span_id: spanId, trace_flags: '00' });
  });

  it('returns a new object each call, as pino merges into it', () => {
    const span = trace.getTracer('test').startSpan('tick');
    context.with(trace.setSpan(context.active(), span), () => {
      const first = traceLogFields();
      expect(first).toEqual({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
        trace_flags: '01',
      });
      expect(traceLogFields()).not.toBe(first);
    });
    span.end();
  });
});
