import {
  type Context,
  createContextKey,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed, W3CBaggagePropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import {
  B3_SINGLE,
  type B3Context,
  type B3Sampling,
  BAGGAGE,
  b3SamplingOf,
  formatTraceparent,
  isRandomTrace,
  readB3Multi,
  readB3Single,
  readTraceparent,
  readTracestate,
  TRACE_FLAG_RANDOM,
  TRACEPARENT,
  TRACESTATE,
  type Traceparent,
  W3CTraceState,
  withIncoming,
  X_B3_FLAGS,
  X_B3_PARENT_SPAN_ID,
  X_B3_SAMPLED,
  X_B3_SPAN_ID,
  X_B3_TRACE_ID,
} from './headers.ts';

/**
 * The SDK side of propagation, loaded with the SDK (sdk-start.ts): the
 * propagator that weighs the incoming formats and writes ours, and the
 * sampler that follows what it read.
 */

/**
 * The context key OpenTelemetry's B3 injectors read for debug. The package does
 * not export it, but `createContextKey` is `Symbol.for(description)`, so this is
 * the same key. The multi-header injector writes `x-b3-flags: 1` (and no
 * `x-b3-sampled`) only when it holds "1"; the single-header injector writes the
 * value itself as the sampling state, so it needs "d". propagation.test.ts pins both.
 */
const OTEL_B3_DEBUG = createContextKey('OpenTelemetry Context Key B3 Debug Flag');

export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'none';
/** The formats that carry a trace: `traceparent`, the single `b3` header, the `x-b3-*` headers. */
type TraceFormat = 'tracecontext' | 'b3' | 'b3multi';

const isTraceFormat = (name: PropagatorName): name is TraceFormat =>
  name === 'tracecontext' || name === 'b3' || name === 'b3multi';

/**
 * The trace formats in the order OTEL_PROPAGATORS lists them: on extract, the
 * last one that carries a context wins, as OpenTelemetry's CompositePropagator
 * lets "the last propagator that yields a valid context" win. Behind Istio's
 * `zipkin` provider B3 must come last (its sidecars rewrite only `x-b3-*`),
 * behind the `opentelemetry` provider `traceparent` (they rewrite only that).
 * A B3 entry reads both B3 encodings, as OpenTelemetry's B3 propagator does:
 * the one not listed ranks just below the listed one. So with `b3multi`, a
 * `b3` header loses to `x-b3-*` when both carry ids, against B3's "The
 * single-header variant takes precedence": Envoy's zipkin tracer writes
 * `x-b3-*` and never `b3` (ZipkinSpan::injectContext), so next to fresh
 * `x-b3-*` a `b3` header is a stale one. List `b3` after `b3multi` for B3's order.
 */
export function trustOrder(names: readonly PropagatorName[]): TraceFormat[] {
  const order: TraceFormat[] = [];
  for (const name of names) {
    if (!isTraceFormat(name)) continue;
    // Listed twice: the later place counts, as a later propagator wins.
    if (order.includes(name)) order.splice(order.indexOf(name), 1);
    order.push(name);
  }
  const single = order.indexOf('b3');
  const multi = order.indexOf('b3multi');
  if (single === -1 && multi !== -1) order.splice(multi, 0, 'b3');
  if (multi === -1 && single !== -1) order.splice(single, 0, 'b3multi');
  return order;
}

const samples = (sampling: B3Sampling) => sampling === 'accept' || sampling === 'debug';
const sampledBit = (sampling: B3Sampling) => (samples(sampling) ? TraceFlags.SAMPLED : TraceFlags.NONE);

/**
 * The context we continue: `ids` (a traceparent, or B3 with ids), the winning
 * `decision` when a B3 header gave it, and `w3c`, the traceparent that arrived,
 * whose `tracestate` and random flag describe its trace only.
 */
function continueFrom(
  context: Context,
  ids: { readonly traceId: string; readonly spanId: string; readonly flags: number },
  decision: B3Sampling | undefined,
  w3c: Traceparent | undefined,
  tracestate: string | string[] | undefined,
): Context {
  // W3C: tracestate is "a companion header for the traceparent field", vendor data about
  // traceparent's trace. It is carried on when the ids are that trace's (every hop inside
  // Istio), and dropped when B3 names another: its entries describe a trace we do not continue.
  const sameTrace = w3c !== undefined && w3c.traceId === ids.traceId;
  const members = sameTrace ? readTracestate(tracestate) : undefined;
  const random = sameTrace ? w3c.flags & TRACE_FLAG_RANDOM : 0;
  const spanContext: SpanContext = {
    traceId: ids.traceId,
    spanId: ids.spanId,
    isRemote: true,
    // A deferred B3 decision travels as "not sampled"; the sampler sees the state and decides.
    traceFlags: (decision === undefined ? ids.flags & TraceFlags.SAMPLED : sampledBit(decision)) | random,
    ...(members ? { traceState: new W3CTraceState(members) } : {}),
  };
  const next = withIncoming(context, { b3: decision, notRandomTrace: random === 0 ? ids.traceId : undefined });
  return trace.setSpanContext(next, spanContext);
}

/**
 * W3C Trace Context, W3C Baggage and B3 as one propagator, so that extraction
 * can weigh them against each other in the order OTEL_PROPAGATORS gives.
 * Every listed format is injected.
 */
class TraceHeadersPropagator implements TextMapPropagator {
  readonly #order: readonly TraceFormat[];
  readonly #writesW3C: boolean;
  readonly #baggage: W3CBaggagePropagator | undefined;
  readonly #b3Multi: B3Propagator | undefined;
  readonly #b3Single: B3Propagator | undefined;
  readonly #fields: string[];

  constructor(names: readonly PropagatorName[]) {
    this.#order = trustOrder(names);
    this.#writesW3C = names.includes('tracecontext');
    this.#baggage = names.includes('baggage') ? new W3CBaggagePropagator() : undefined;
    // Envoy's zipkin tracer reads the multi-header form; the single `b3` header is opt-in.
    this.#b3Multi = names.includes('b3multi')
      ? new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER })
      : undefined;
    this.#b3Single = names.includes('b3')
      ? new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER })
      : undefined;
    this.#fields = [
      ...(this.#writesW3C ? [TRACEPARENT, TRACESTATE] : []),
      ...(this.#baggage?.fields() ?? []),
      ...(this.#b3Multi ? [X_B3_TRACE_ID, X_B3_SPAN_ID, X_B3_SAMPLED, X_B3_FLAGS, X_B3_PARENT_SPAN_ID] : []),
      ...(this.#b3Single ? [B3_SINGLE] : []),
    ];
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const span = trace.getSpanContext(context);
    if (span === undefined || isTracingSuppressed(context)) return;
    if (this.#writesW3C) {
      const random = isRandomTrace(context, span.traceId) ? TRACE_FLAG_RANDOM : 0;
      setter.set(
        carrier,
        TRACEPARENT,
        formatTraceparent(span.traceId, span.spanId, (span.traceFlags & TraceFlags.SAMPLED) | random),
      );
      const state = span.traceState?.serialize();
      if (state) setter.set(carrier, TRACESTATE, state);
    }
    this.#baggage?.inject(context, carrier, setter);
    if (!this.#b3Multi && !this.#b3Single) return;
    // The sampled flag is our own decision, made by the sampler. Debug rides on only with
    // a sampled span, as x-b3-flags: 1 or b3: {ids}-d.
    const debug = (span.traceFlags & TraceFlags.SAMPLED) !== 0 && b3SamplingOf(context) === 'debug';
    if (this.#b3Multi) {
      this.#b3Multi.inject(context.setValue(OTEL_B3_DEBUG, debug ? '1' : undefined), carrier, setter);
      // B3: "Debug implies an accept decision, so don't also send the X-B3-Sampled header."
      // We do: Envoy's zipkin tracer never reads x-b3-flags, only x-b3-sampled (or b3)
      // (SpanContextExtractor::extractSampled), so without it a sidecar sampling below 100%
      // drops its span and our debug spans hang under a parent no one reported.
      if (debug) setter.set(carrier, X_B3_SAMPLED, '1');
    }
    if (this.#b3Single)
      this.#b3Single.inject(context.setValue(OTEL_B3_DEBUG, debug ? 'd' : undefined), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    // The readers run only when their header arrived (most requests carry none):
    // saves 0.6–0.9 µs per request (docs/benchmarks.md).
    const withBaggage =
      this.#baggage && getter.get(carrier, BAGGAGE) !== undefined
        ? this.#baggage.extract(context, carrier, getter)
        : context;
    const w3c = this.#writesW3C ? readTraceparent(getter.get(carrier, TRACEPARENT)) : undefined;
    // Most trusted first: the first format with ids wins. A B3 sampling state that arrived
    // without ids ("b3: 0") wins only the decision, when it ranks above the format with the ids.
    let decision: B3Sampling | undefined;
    for (let i = this.#order.length - 1; i >= 0; i--) {
      const format = this.#order[i];
      if (format === 'tracecontext') {
        if (w3c) return continueFrom(withBaggage, w3c, decision, w3c, getter.get(carrier, TRACESTATE));
        continue;
      }
      const b3: B3Context | undefined = format === 'b3' ? readB3Single(carrier, getter) : readB3Multi(carrier, getter);
      if (b3 === undefined) continue;
      decision ??= b3.sampling;
      if (b3.traceId && b3.spanId) {
        const ids = { traceId: b3.traceId, spanId: b3.spanId, flags: 0 };
        return continueFrom(withBaggage, ids, decision, w3c, w3c ? getter.get(carrier, TRACESTATE) : undefined);
      }
    }
    // No ids at all: the sampler starts a new trace and follows a decision that came alone (createSampler below).
    return withIncoming(withBaggage, { b3: decision, notRandomTrace: undefined });
  }

  fields(): string[] {
    return this.#fields;
  }
}

/** The propagator for OTEL_PROPAGATORS, in its order (`none` alone: nothing read or written). */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  return new TraceHeadersPropagator(names);
}

// --- Sampling: following what extraction read -------------------------------------

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
