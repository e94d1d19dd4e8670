import {
  type Context,
  createContextKey,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { type B3Context, type B3Sampling, readB3 } from './b3.ts';
import {
  B3_SINGLE,
  BAGGAGE,
  TRACEPARENT,
  X_B3_FLAGS,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_SPAN_ID,
  X_B3_TRACE_ID,
} from './constants.ts';
import { B3_SAMPLING, b3SamplingOf, TRACE_FLAG_RANDOM } from './trace-state.ts';

export { B3_SAMPLING, b3SamplingOf, TRACE_FLAG_RANDOM };

/**
 * The context key OpenTelemetry's B3 injectors read for debug. The package does
 * not export it, but `createContextKey` is `Symbol.for(description)`, so this is
 * the same key. The multi-header injector writes `x-b3-flags: 1` (and no
 * `x-b3-sampled`) only when it holds "1"; the single-header injector writes the
 * value itself as the sampling state, so it needs "d". propagation.test.ts pins both.
 */
const OTEL_B3_DEBUG = createContextKey('OpenTelemetry Context Key B3 Debug Flag');

const samples = (sampling: B3Sampling) => sampling === 'accept' || sampling === 'debug';

/**
 * Every decision about which incoming context we continue, in one place.
 * `w3c` is a valid `traceparent` (with its `tracestate`), `b3` what B3 carried.
 */
function continueFrom(context: Context, w3c: SpanContext | undefined, b3: B3Context | undefined): Context {
  if (!b3) return w3c ? trace.setSpanContext(context, w3c) : context;
  const withState = context.setValue(B3_SAMPLING, b3.sampling);
  const sampledBit = samples(b3.sampling) ? TraceFlags.SAMPLED : TraceFlags.NONE;
  if (b3.traceId && b3.spanId) {
    // B3 wins over traceparent: inside Istio each sidecar rewrites x-b3-spanid to its own
    // span but passes traceparent through as the caller sent it, so trusting traceparent
    // would parent our span past the sidecars.
    // W3C: tracestate is "a companion header for the traceparent field", vendor data about
    // traceparent's trace. It is forwarded when B3 names that same trace (every hop inside
    // Istio), and dropped when B3 names another: its entries describe a trace we do not continue.
    const sameTrace = w3c !== undefined && w3c.traceId === b3.traceId;
    return trace.setSpanContext(withState, {
      traceId: b3.traceId,
      spanId: b3.spanId,
      isRemote: true,
      // A deferred decision travels as "not sampled"; the sampler sees the state and decides.
      traceFlags: sampledBit | (sameTrace ? w3c.traceFlags & TRACE_FLAG_RANDOM : 0),
      ...(sameTrace && w3c.traceState ? { traceState: w3c.traceState } : {}),
    });
  }
  // A sampling state without ids ("b3: 0"): the decision is B3's, so it wins over the
  // traceparent flags, but the ids can only come from traceparent, if one arrived.
  if (w3c)
    return trace.setSpanContext(withState, { ...w3c, traceFlags: (w3c.traceFlags & ~TraceFlags.SAMPLED) | sampledBit });
  // No ids at all: the sampler starts a new trace and follows the state (sampler.ts).
  return withState;
}

export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'none';

/**
 * W3C Trace Context, W3C Baggage and B3 as one propagator, so that extraction
 * can weigh them against each other (OpenTelemetry's CompositePropagator only
 * lets the last valid one win). Every listed format is injected.
 */
class TraceHeadersPropagator implements TextMapPropagator {
  readonly #w3c: W3CTraceContextPropagator | undefined;
  readonly #baggage: W3CBaggagePropagator | undefined;
  readonly #readsB3: boolean;
  readonly #b3Multi: B3Propagator | undefined;
  readonly #b3Single: B3Propagator | undefined;
  readonly #fields: string[];

  constructor(names: ReadonlySet<PropagatorName>) {
    this.#w3c = names.has('tracecontext') ? new W3CTraceContextPropagator() : undefined;
    this.#baggage = names.has('baggage') ? new W3CBaggagePropagator() : undefined;
    // Envoy's zipkin tracer reads the multi-header form; the single `b3` header is opt-in.
    this.#b3Multi = names.has('b3multi')
      ? new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER })
      : undefined;
    this.#b3Single = names.has('b3') ? new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }) : undefined;
    this.#readsB3 = this.#b3Multi !== undefined || this.#b3Single !== undefined;
    this.#fields = [
      ...(this.#w3c?.fields() ?? []),
      ...(this.#baggage?.fields() ?? []),
      ...(this.#b3Multi ? [X_B3_TRACE_ID, X_B3_SPAN_ID, X_B3_SAMPLED, X_B3_FLAGS, X_B3_PARENT_SPAN_ID] : []),
      ...(this.#b3Single ? [B3_SINGLE] : []),
    ];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.#w3c?.inject(context, carrier, setter);
    this.#baggage?.inject(context, carrier, setter);
    if (!this.#b3Multi && !this.#b3Single) return;
    // The sampled flag is our own decision, made by the sampler. B3: "Debug implies an
    // accept decision, so don't also send the X-B3-Sampled header": debug rides on only
    // with a sampled span, as x-b3-flags: 1 or b3: {ids}-d.
    const span = trace.getSpanContext(context);
    const debug =
      span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) !== 0 && b3SamplingOf(context) === 'debug';
    if (this.#b3Multi) this.#b3Multi.inject(context.setValue(OTEL_B3_DEBUG, debug ? '1' : undefined), carrier, setter);
    if (this.#b3Single)
      this.#b3Single.inject(context.setValue(OTEL_B3_DEBUG, debug ? 'd' : undefined), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    // The W3C readers run only when their header arrived (most requests carry neither):
    // saves 0.6–0.9 µs per request (docs/benchmarks.md).
    const withBaggage =
      this.#baggage && getter.get(carrier, BAGGAGE) !== undefined
        ? this.#baggage.extract(context, carrier, getter)
        : context;
    const w3c =
      this.#w3c && getter.get(carrier, TRACEPARENT) !== undefined
        ? trace.getSpanContext(this.#w3c.extract(ROOT_CONTEXT, carrier, getter))
        : undefined;
    // Both B3 encodings are read whichever one is injected: single wins over multi (b3.ts).
    const b3 = this.#readsB3 ? readB3(carrier, getter) : undefined;
    return continueFrom(withBaggage, w3c, b3);
  }

  fields(): string[] {
    return this.#fields;
  }
}

/** The propagator for OTEL_PROPAGATORS (`none` alone: nothing read or written). */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  return new TraceHeadersPropagator(new Set(names));
}
