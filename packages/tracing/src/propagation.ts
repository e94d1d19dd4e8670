import {
  type Context,
  createContextKey,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { B3_SINGLE, X_B3_FLAGS, X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID } from './constants.ts';

/**
 * Set on the context when B3 headers carried ids but no sampling decision
 * (no `x-b3-sampled`, no `x-b3-flags`, a two-part `b3`). The B3 spec says the
 * receiver then decides; OpenTelemetry's B3 extractor reads it as "not sampled"
 * and would drop the trace, so sampler.ts looks for this key instead.
 */
export const SAMPLING_DEFERRED = createContextKey('meshtrace b3 sampling deferred');

function hasB3Decision(carrier: unknown, getter: TextMapGetter): boolean {
  const single = getter.get(carrier, B3_SINGLE);
  const singleValue = Array.isArray(single) ? single[0] : single;
  if (typeof singleValue === 'string' && singleValue.trim() !== '') {
    // `{traceId}-{spanId}` has no decision; a third part (1, 0 or d) is one; a lone `0`/`1`/`d` is one too.
    const parts = singleValue.split('-');
    return parts.length !== 2;
  }
  return getter.get(carrier, X_B3_SAMPLED) !== undefined || getter.get(carrier, X_B3_FLAGS) !== undefined;
}

function firstValue(carrier: unknown, getter: TextMapGetter, key: string): string | undefined {
  const value = getter.get(carrier, key);
  return Array.isArray(value) ? value[0] : value;
}

/** The B3 spec's formats, whole-value and lower-hex only. */
const B3_SINGLE_FORMAT = /^(?:[0-9a-f]{16}){1,2}-[0-9a-f]{16}(?:-[01d](?:-[0-9a-f]{16})?)?$/;
const B3_TRACE_ID_FORMAT = /^(?:[0-9a-f]{16}){1,2}$/;
const B3_SPAN_ID_FORMAT = /^[0-9a-f]{16}$/;

/**
 * OpenTelemetry's B3 extractor is laxer than the spec: it finds a `b3` context
 * anywhere inside the value (so `junk-{ids}-junk`, or two joined `b3` headers,
 * continue a trace) and accepts upper-case ids, which it then sends on as they
 * came. Envoy and Zipkin expect lower-hex, so such headers mean "no context".
 */
function isWellFormedB3(carrier: unknown, getter: TextMapGetter): boolean {
  const single = firstValue(carrier, getter, B3_SINGLE);
  if (single) return B3_SINGLE_FORMAT.test(single);
  return (
    B3_TRACE_ID_FORMAT.test(firstValue(carrier, getter, X_B3_TRACE_ID) ?? '') &&
    B3_SPAN_ID_FORMAT.test(firstValue(carrier, getter, X_B3_SPAN_ID) ?? '')
  );
}

/** B3 that also remembers when the sender deferred the sampling decision. */
class B3DeferringPropagator implements TextMapPropagator {
  readonly #inner: B3Propagator;

  constructor(encoding: B3InjectEncoding) {
    this.#inner = new B3Propagator({ injectEncoding: encoding });
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.#inner.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (!isWellFormedB3(carrier, getter)) return context;
    const extracted = this.#inner.extract(context, carrier, getter);
    if (extracted === context || hasB3Decision(carrier, getter)) return extracted;
    return extracted.setValue(SAMPLING_DEFERRED, true);
  }

  fields(): string[] {
    return this.#inner.fields();
  }
}

export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'none';

/**
 * The propagator for OTEL_PROPAGATORS. Every listed format is injected on
 * outgoing calls. On extract, CompositePropagator lets the last propagator that
 * finds a valid context win, so B3 always goes last: inside Istio each sidecar
 * rewrites `x-b3-spanid` to its own span but leaves `traceparent` as the caller
 * sent it, and trusting `traceparent` would parent our span past the sidecars.
 */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  const unique = new Set(names);
  const w3c: TextMapPropagator[] = [];
  if (unique.has('baggage')) w3c.push(new W3CBaggagePropagator());
  if (unique.has('tracecontext')) w3c.push(new W3CTraceContextPropagator());
  const b3: TextMapPropagator[] = [];
  // Envoy's zipkin tracer reads the multi-header form; the single `b3` header is opt-in.
  if (unique.has('b3multi')) b3.push(new B3DeferringPropagator(B3InjectEncoding.MULTI_HEADER));
  if (unique.has('b3')) b3.push(new B3DeferringPropagator(B3InjectEncoding.SINGLE_HEADER));
  return new CompositePropagator({ propagators: [...w3c, ...b3] });
}
