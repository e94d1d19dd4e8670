import { type Context, createContextKey } from '@opentelemetry/api';
import type { B3Sampling } from './b3.ts';

/**
 * What the plugin, the sampler and the propagator share about an incoming
 * trace, with no SDK import: the package's entry point loads only this (and
 * the API), so a service with OTEL_SDK_DISABLED=true never loads the SDK.
 */

/**
 * The B3 sampling state that arrived with the request, kept on the context for
 * the sampler (which decides from it when there is no parent to follow, or the
 * sender deferred) and for injection (debug is sent on as `x-b3-flags: 1`).
 */
export const B3_SAMPLING = createContextKey('meshtrace b3 sampling state');

/** The B3 sampling state carried by this context, if B3 arrived. */
export function b3SamplingOf(context: Context): B3Sampling | undefined {
  return context.getValue(B3_SAMPLING) as B3Sampling | undefined;
}

/** W3C Trace Context Level 2: "the right-most 7 bytes of the trace-id" are random. Not in the API's enum yet. */
export const TRACE_FLAG_RANDOM = 0x02;

/**
 * The id of a continued trace whose random-trace-id flag was not set (or that
 * arrived in B3, which cannot say). Level 2: "A participant that continues a
 * trace started upstream ... MUST set the random-trace-id flag in the
 * traceparent header to the same value that was found in the incoming
 * traceparent header." Any other trace has the flag: one we started (the
 * SDK's ids are random), or a continued one that had it. Our spans carry only
 * the sampled flag, so the injector reads this instead.
 */
export const NOT_RANDOM_TRACE = createContextKey('meshtrace w3c trace without the random flag');
