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
import { b3SamplingOf } from './propagation.ts';

/** The OTEL_TRACES_SAMPLER values. */
export type SamplerName =
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio'
  | 'always_on'
  | 'always_off'
  | 'traceidratio';

const NOT_SAMPLED: SamplingResult = { decision: SamplingDecision.NOT_RECORD };
const SAMPLED: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };

/**
 * For a new trace: a B3 sampling state that arrived without ids ("b3: 0",
 * "X-B3-Flags: 1") is the caller's decision, and it is followed; without one,
 * the configured root sampler decides.
 */
class B3StateRootSampler implements Sampler {
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
    const state = b3SamplingOf(context);
    if (state === 'deny') return NOT_SAMPLED;
    // "Debug is an emphasized accept decision that implies accept."
    if (state === 'accept' || state === 'debug') return SAMPLED;
    return this.#root.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `B3StateRootSampler{${this.#root.toString()}}`;
  }
}

/**
 * For a remote parent that is "not sampled": honour it (`x-b3-sampled: 0`
 * means no spans), unless B3 deferred the decision ("Absent means defer the
 * decision to the receiver of this header"): then decide as for a new trace.
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
    if (b3SamplingOf(context) !== 'defer') return NOT_SAMPLED;
    return this.#root.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `DeferredDecisionSampler{${this.#root.toString()}}`;
  }
}

function parentBased(root: Sampler): Sampler {
  return new ParentBasedSampler({
    root: new B3StateRootSampler(root),
    remoteParentNotSampled: new DeferredDecisionSampler(root),
  });
}

/** The sampler named by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. */
export function createSampler(settings: { readonly sampler: SamplerName; readonly samplerArg: number }): Sampler {
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
