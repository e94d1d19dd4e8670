import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { SAMPLING_DEFERRED } from './propagation.ts';
import type { TracingSettings } from './settings.ts';

const NOT_SAMPLED: SamplingResult = { decision: SamplingDecision.NOT_RECORD };

/**
 * For a remote parent that is "not sampled": honour it (an explicit
 * `x-b3-sampled: 0` means no spans), unless the sender deferred the decision,
 * in which case decide as for a new trace, the way Envoy does.
 */
class DeferredDecisionSampler implements Sampler {
  readonly #root: Sampler;

  constructor(root: Sampler) {
    this.#root = root;
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (context.getValue(SAMPLING_DEFERRED) !== true) return NOT_SAMPLED;
    return this.#root.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `DeferredDecisionSampler{${this.#root.toString()}}`;
  }
}

function parentBased(root: Sampler): Sampler {
  return new ParentBasedSampler({ root, remoteParentNotSampled: new DeferredDecisionSampler(root) });
}

/** The sampler named by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. */
export function createSampler(settings: Pick<TracingSettings, 'sampler' | 'samplerArg'>): Sampler {
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(settings.samplerArg);
    case 'parentbased_always_on':
      return parentBased(new AlwaysOnSampler());
    case 'parentbased_always_off':
      return parentBased(new AlwaysOffSampler());
    case 'parentbased_traceidratio':
      return parentBased(new TraceIdRatioBasedSampler(settings.samplerArg));
  }
}
