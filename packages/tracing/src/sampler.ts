import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { B3Sampling } from './b3.ts';
import { b3SamplingOf } from './trace-state.ts';

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

/** A sampler that decides from the request's B3 sampling state, or leaves the decision to `root`. */
function fromB3State(
  name: string,
  root: Sampler,
  decide: (state: B3Sampling | undefined) => SamplingResult | undefined,
): Sampler {
  return {
    shouldSample: (context, ...rest) => decide(b3SamplingOf(context)) ?? root.shouldSample(context, ...rest),
    toString: () => `${name}{${root.toString()}}`,
  };
}

/**
 * For a new trace: a B3 sampling state that arrived without ids ("b3: 0",
 * "X-B3-Flags: 1") is the caller's decision, and it is followed ("Debug is an
 * emphasized accept decision that implies accept"); without one, `root` decides.
 */
const followStateAlone = (state: B3Sampling | undefined) =>
  state === 'deny' ? NOT_SAMPLED : state === 'accept' || state === 'debug' ? SAMPLED : undefined;

/**
 * For a remote parent that is "not sampled": honour it (`x-b3-sampled: 0`
 * means no spans), unless B3 deferred the decision ("Absent means defer the
 * decision to the receiver of this header"): then `root` decides, as for a new trace.
 */
const unlessDeferred = (state: B3Sampling | undefined) => (state === 'defer' ? undefined : NOT_SAMPLED);

function parentBased(root: Sampler): Sampler {
  return new ParentBasedSampler({
    root: fromB3State('B3StateRootSampler', root, followStateAlone),
    remoteParentNotSampled: fromB3State('DeferredDecisionSampler', root, unlessDeferred),
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
