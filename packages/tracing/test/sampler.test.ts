import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { createPropagator } from '../src/propagation.ts';
import { createSampler } from '../src/sampler.ts';

const propagator = createPropagator(['tracecontext', 'b3multi']);
const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';

function decide(sampler: ReturnType<typeof createSampler>, headers: Record<string, string>) {
  const context = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return sampler.shouldSample(context, TRACE, 'GET', SpanKind.SERVER, {}, []).decision;
}

describe('sampler', () => {
  const sampler = createSampler({ sampler: 'parentbased_always_on', samplerArg: 1 });

  it('follows an incoming decision', () => {
    expect(decide(sampler, { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' })).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide(sampler, { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' })).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(decide(sampler, { traceparent: `00-${TRACE}-${SPAN}-00` })).toBe(SamplingDecision.NOT_RECORD);
  });

  it('decides with its root sampler when B3 deferred the decision', () => {
    expect(decide(sampler, { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN })).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    const never = createSampler({ sampler: 'parentbased_always_off', samplerArg: 1 });
    expect(decide(never, { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN })).toBe(SamplingDecision.NOT_RECORD);
  });

  it('samples new traces at OTEL_TRACES_SAMPLER_ARG with traceidratio', () => {
    const none = createSampler({ sampler: 'parentbased_traceidratio', samplerArg: 0 });
    const all = createSampler({ sampler: 'parentbased_traceidratio', samplerArg: 1 });
    expect(decide(none, {})).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(all, {})).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});
