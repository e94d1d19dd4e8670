import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { createPropagator, createSampler, type SamplerName } from '../src/propagation.ts';

/** The sampler's decision for a request carrying `headers`, after our propagator read them. */
const propagator = createPropagator(['tracecontext', 'b3multi']);
const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const { RECORD_AND_SAMPLED: SAMPLED, NOT_RECORD } = SamplingDecision;

function decide(name: SamplerName, headers: Record<string, string>, samplerArg = 1) {
  const context = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return createSampler({ sampler: name, samplerArg }).shouldSample(context, TRACE, 'GET', SpanKind.SERVER, {}, [])
    .decision;
}

describe('sampler', () => {
  it('follows an incoming decision, with or without ids', () => {
    expect(decide('parentbased_always_off', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' })).toBe(
      SAMPLED,
    );
    expect(decide('parentbased_always_on', { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' })).toBe(
      NOT_RECORD,
    );
    expect(decide('parentbased_always_on', { traceparent: `00-${TRACE}-${SPAN}-00` })).toBe(NOT_RECORD);
    // A sampling state alone decides the new trace: deny, accept, debug.
    expect(decide('parentbased_always_on', { b3: '0' })).toBe(NOT_RECORD);
    expect(decide('parentbased_always_off', { 'x-b3-sampled': '1' })).toBe(SAMPLED);
    expect(decide('parentbased_always_off', { 'x-b3-flags': '1' })).toBe(SAMPLED);
  });

  it('decides with its root sampler when B3 deferred the decision', () => {
    const deferred = { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '0' };
    expect(decide('parentbased_always_on', deferred)).toBe(SAMPLED);
    expect(decide('parentbased_always_off', deferred)).toBe(NOT_RECORD);
  });

  it('samples new traces at OTEL_TRACES_SAMPLER_ARG with traceidratio', () => {
    expect(decide('parentbased_traceidratio', {}, 0)).toBe(NOT_RECORD);
    expect(decide('parentbased_traceidratio', {}, 1)).toBe(SAMPLED);
  });

  it('ignores incoming decisions when told to: always_on and always_off', () => {
    expect(decide('always_on', { b3: '0' })).toBe(SAMPLED);
    expect(decide('always_off', { b3: 'd' })).toBe(NOT_RECORD);
  });
});
