import { type Context, createContextKey } from '@opentelemetry/api';
import type { B3Sampling } from './b3.ts';

/**
 * What the plugin, the sampler and the propagator share about an incoming
 * trace, with no SDK import: the package's entry point loads only this (and
 * the API), so a service with OTEL_SDK_DISABLED=true never loads the SDK.
 */

/**
 * A B3 sampling state for a trace started in app code (the frontend's loop
 * forcing `debug`): the sampler follows it for the new root, and injection
 * sends it on. A state that arrived with a request is kept with the rest of
 * what extraction learned (`withIncoming`).
 */
export const B3_SAMPLING = createContextKey('meshtrace b3 sampling state');

/** W3C Trace Context Level 2: "the right-most 7 bytes of the trace-id" are random. Not in the API's enum yet. */
export const TRACE_FLAG_RANDOM = 0x02;

/**
 * What extraction learned that the SDK's spans cannot carry, in one context
 * value (one copy of the context per request):
 * - `b3`: the B3 sampling state that won, for the sampler (which decides from it
 *   when there is no parent to follow, or the sender deferred) and for
 *   injection (debug is sent on as `x-b3-flags: 1`);
 * - `notRandomTrace`: the id of a continued trace whose random-trace-id flag was
 *   not set (or that arrived in B3, which cannot say). Level 2: "A participant
 *   that continues a trace started upstream ... MUST set the random-trace-id
 *   flag in the traceparent header to the same value that was found in the
 *   incoming traceparent header." Any other trace has the flag: one we started
 *   (the SDK's ids are random), or a continued one that had it. Our spans carry
 *   only the sampled flag, so the injector reads this instead.
 */
interface Incoming {
  readonly b3: B3Sampling | undefined;
  readonly notRandomTrace: string | undefined;
}
const INCOMING = createContextKey('meshtrace incoming trace');

export function withIncoming(context: Context, incoming: Incoming): Context {
  return incoming.b3 === undefined && incoming.notRandomTrace === undefined
    ? context
    : context.setValue(INCOMING, incoming);
}

/** The B3 sampling state this context carries: the one that arrived, else one set by app code. */
export function b3SamplingOf(context: Context): B3Sampling | undefined {
  return (
    (context.getValue(INCOMING) as Incoming | undefined)?.b3 ??
    (context.getValue(B3_SAMPLING) as B3Sampling | undefined)
  );
}

/** Whether the trace of `traceId` has the W3C random-trace-id flag, seen from this context. */
export function isRandomTrace(context: Context, traceId: string): boolean {
  return (context.getValue(INCOMING) as Incoming | undefined)?.notRandomTrace !== traceId;
}
