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
