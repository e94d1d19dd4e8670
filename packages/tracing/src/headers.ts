import {
  type Context,
  createContextKey,
  defaultTextMapGetter,
  type TextMapGetter,
  type TraceState,
} from '@opentelemetry/api';

/**
 * What the trace headers say: their names (each with who reads it and why), how
 * B3 and W3C Trace Context are read, exactly as their specs say, and the context
 * values that carry what was read. Pure: no SDK import and no exceptions, so the
 * package's entry point loads only this and the API (OTEL_SDK_DISABLED=true
 * loads nothing of the SDK). Header names are lower case: Node lower-cases
 * incoming header names, and HTTP header names are case-insensitive.
 */

// --- B3, the Zipkin format Envoy's zipkin tracer reads and writes --------------

/** Trace id, 32 hex chars (128-bit) or 16 (64-bit, left-padded to 128 on extract). Envoy reads it. */
export const X_B3_TRACE_ID = 'x-b3-traceid';
/** The caller's span id: the parent of the span we start. Each Istio sidecar rewrites it to its own span. */
export const X_B3_SPAN_ID = 'x-b3-spanid';
/** The caller's parent span id. Zipkin-only; OpenTelemetry never injects it, Envoy sets it itself. */
export const X_B3_PARENT_SPAN_ID = 'x-b3-parentspanid';
/** "1" sampled, "0" not sampled. Missing means the sender deferred the decision to us. */
export const X_B3_SAMPLED = 'x-b3-sampled';
/** "1" is debug: force sampling everywhere downstream (and implies sampled). */
export const X_B3_FLAGS = 'x-b3-flags';
/** Single-header B3: `{traceId}-{spanId}[-{sampled}[-{parentSpanId}]]`. When present it wins over x-b3-*. */
export const B3_SINGLE = 'b3';

// --- W3C Trace Context ---------------------------------------------------------

/** `00-{traceId}-{spanId}-{flags}`. Istio's zipkin provider passes it through untouched (see propagation.ts). */
export const TRACEPARENT = 'traceparent';
/** Vendor-specific state that rides with traceparent. */
export const TRACESTATE = 'tracestate';
/** W3C Baggage: key=value pairs the application (not the tracer) carries along. */
export const BAGGAGE = 'baggage';
/**
 * Response header (W3C Trace Context Level 2), `00-{traceId}-{spanId}-{flags}` of
 * our SERVER span: the caller can link straight to the trace without reading logs.
 */
export const TRACERESPONSE = 'traceresponse';

// --- Headers OpenTelemetry does not carry but Istio asks applications to forward --

/**
 * Forwarded unchanged from the incoming request to every outgoing call (see
 * pickForwardedHeaders in traced-request.ts). The trace headers above are not in this list: they are
 * re-written by the propagators with our own span id, which is the point.
 */
/** Envoy's request id: joins access logs across hops, and Envoy derives its sampling decision from it. */
export const X_REQUEST_ID = 'x-request-id';

/** Envoy's client-initiated tracing: a request carrying it is traced whatever the sampling rate. */
export const X_CLIENT_TRACE_ID = 'x-client-trace-id';
/** Datadog's sampling decision (`1`, `2`: keep), for Datadog-traced neighbours. */
export const X_DATADOG_SAMPLING_PRIORITY = 'x-datadog-sampling-priority';

export const FORWARDED_HEADERS = [
  X_REQUEST_ID,
  /** Lightstep/OpenTracing span context, forwarded by Istio's Bookinfo. */
  'x-ot-span-context',
  /** Google Cloud Trace context, for meshes exporting to Cloud Trace. */
  'x-cloud-trace-context',
  /** Binary gRPC trace context (OpenCensus), for gRPC hops in the same trace. */
  'grpc-trace-bin',
  /** Apache SkyWalking context. */
  'sw8',
  /** Datadog trace id, parent id and sampling priority, for Datadog-traced neighbours. */
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  X_DATADOG_SAMPLING_PRIORITY,
  /** Bookinfo's end-user header; Istio routing rules often match on it. */
  'end-user',
  /** Envoy forces tracing of a request carrying this id (client-initiated tracing). */
  X_CLIENT_TRACE_ID,
] as const;

/**
 * The forwarded headers that ask the next tracer to sample: an edge that does not take orders
 * from outside (INCOMING_TRACE_CONTEXT=link) must not pass them on, or a caller could still force
 * every hop behind it to trace.
 */
export const SAMPLING_REQUEST_HEADERS: ReadonlySet<string> = new Set([X_CLIENT_TRACE_ID, X_DATADOG_SAMPLING_PRIORITY]);

// --- Defaults -------------------------------------------------------------------

/** Zipkin v2 JSON endpoint; the OpenTelemetry spec default for OTEL_EXPORTER_ZIPKIN_ENDPOINT. */
export const DEFAULT_ZIPKIN_ENDPOINT = 'http://localhost:9411/api/v2/spans';

/** OTLP/HTTP collector base URL; the OpenTelemetry spec default for OTEL_EXPORTER_OTLP_ENDPOINT over HTTP. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** Propagators when OTEL_PROPAGATORS is unset: W3C in, B3 multi-header for Envoy. */
export const DEFAULT_PROPAGATORS = ['tracecontext', 'baggage', 'b3multi'] as const;

// --- Reading B3 -----------------------------------------------------------------

/*
 * B3 (https://github.com/openzipkin/b3-propagation, README), read exactly as
 * the spec says. Pure: no OpenTelemetry context, no exceptions.
 * OpenTelemetry's B3 extractor gets several reading rules wrong (a deny without
 * ids is ignored, `X-B3-Flags: 0` reads as "not sampled", repeated headers are
 * read whole, ids are found inside junk), so extraction is done here. Writing
 * is left to `@opentelemetry/propagator-b3` (propagation.ts), which writes
 * correctly once it is told about debug.
 */

/** The spec's four sampling states. */
export type B3Sampling = 'accept' | 'deny' | 'debug' | 'defer';

export interface B3Context {
  /** Absent when only a sampling state arrived ("Sampling state can also be sent on its own"). */
  readonly traceId?: string;
  readonly spanId?: string;
  readonly sampling: B3Sampling;
}

/** 32 or 16 lower-hex characters, the whole value; 16 is left-padded to 128 bits. */
const TRACE_ID = /^(?:[0-9a-f]{16}){1,2}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
/** `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`, the whole value. */
const SINGLE = /^((?:[0-9a-f]{16}){1,2})-([0-9a-f]{16})(?:-([01d])(?:-[0-9a-f]{16})?)?$/;
const ALL_ZEROS = /^0+$/;

/** `1` accept, `0` deny, `d` debug: the single header's sampling state. */
const SINGLE_STATES: Readonly<Record<string, B3Sampling>> = { '1': 'accept', '0': 'deny', d: 'debug' };
/**
 * `X-B3-Sampled`. "While you shouldn't encode X-B3-Sampled as true or false, a
 * lenient implementation may accept them." This one does, as OpenTelemetry does.
 */
const SAMPLED_VALUES: Readonly<Record<string, B3Sampling>> = {
  '1': 'accept',
  '0': 'deny',
  true: 'accept',
  True: 'accept',
  false: 'deny',
  False: 'deny',
};

/**
 * "When extracting state headers, the first value wins." Node joins a repeated
 * header into one string with ", ", so the first value ends at the first comma.
 */
function firstValue(carrier: unknown, getter: TextMapGetter, name: string): string | undefined {
  const raw = getter.get(carrier, name);
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = (comma === -1 ? value : value.slice(0, comma)).trim();
  return first === '' ? undefined : first;
}

function validIds(traceId: string | undefined, spanId: string | undefined): boolean {
  return (
    traceId !== undefined &&
    spanId !== undefined &&
    TRACE_ID.test(traceId) &&
    SPAN_ID.test(spanId) &&
    !ALL_ZEROS.test(traceId) &&
    !ALL_ZEROS.test(spanId)
  );
}

const to128 = (traceId: string) => traceId.padStart(32, '0');

function parseSingle(value: string): B3Context | undefined {
  // "A deny decision may omit identifiers and look like this: b3: 0" (and likewise 1 and d).
  const alone = SINGLE_STATES[value];
  if (alone) return { sampling: alone };
  const match = SINGLE.exec(value);
  if (!match || !validIds(match[1], match[2])) return undefined;
  // "Defer is absence of the sampling field."
  return {
    traceId: to128(match[1] as string),
    spanId: match[2] as string,
    sampling: SINGLE_STATES[match[3] ?? ''] ?? 'defer',
  };
}

/** The multi-header encoding (`X-B3-*`), or undefined when it carried nothing we can read. */
export function readB3Multi(carrier: unknown, getter: TextMapGetter): B3Context | undefined {
  const sampled = firstValue(carrier, getter, X_B3_SAMPLED);
  // "Debug is encoded as X-B3-Flags: 1" ... "Absent or any other value can be ignored."
  const debug = firstValue(carrier, getter, X_B3_FLAGS) === '1';
  // "Absent means defer the decision to the receiver of this header."
  const sampling: B3Sampling | undefined = debug ? 'debug' : sampled === undefined ? 'defer' : SAMPLED_VALUES[sampled];
  // An X-B3-Sampled we cannot read (`d`, `yes`) is no decision and no context: a new trace.
  if (sampling === undefined) return undefined;
  const traceId = firstValue(carrier, getter, X_B3_TRACE_ID);
  const spanId = firstValue(carrier, getter, X_B3_SPAN_ID);
  if (validIds(traceId, spanId)) return { traceId: to128(traceId as string), spanId: spanId as string, sampling };
  // "It is also valid to send sampling state independently, such as a deny decision":
  // missing or malformed ids lose the ids, never the decision.
  return sampling === 'defer' ? undefined : { sampling };
}

/** The single header (`b3`), or undefined when it is absent or malformed. */
export function readB3Single(carrier: unknown, getter: TextMapGetter): B3Context | undefined {
  const single = firstValue(carrier, getter, B3_SINGLE);
  return single === undefined ? undefined : parseSingle(single);
}

/**
 * The B3 context a request carried, by B3's own precedence ("The single-header
 * variant takes precedence over the multiple header one when extracting
 * fields"), or undefined when it carried none we can read. The propagator
 * weighs the two encodings by OTEL_PROPAGATORS instead (propagation.ts).
 */
export function readB3(carrier: unknown, getter: TextMapGetter = defaultTextMapGetter): B3Context | undefined {
  return getter.get(carrier, B3_SINGLE) === undefined ? readB3Multi(carrier, getter) : readB3Single(carrier, getter);
}

// --- Reading W3C Trace Context ------------------------------------------------------

/**
 * W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/), read
 * exactly as the spec and its test suite (w3c/trace-context `test/`, strict
 * level 2) say. Pure: no OpenTelemetry context, no exceptions.
 * OpenTelemetry's W3C propagator keeps only the sampled flag on our spans and
 * drops invalid `tracestate` members one by one, so reading is done here.
 */

export interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  /** Only the flags Level 2 defines: sampled (0x01) and random (0x02). */
  readonly flags: number;
}

/** "The sampled flag" and "the random-trace-id flag": "Vendors MUST set those [other flags] to zero." */
const KNOWN_FLAGS = 0x03;
/** `{version}-{trace-id}-{parent-id}-{trace-flags}`, then more fields only in a higher version. */
const TRACEPARENT_FORM = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** "All bytes as zero ... is considered an invalid value": the only all-zero ids of the right length. */
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** RFC 9110's OWS: spaces and horizontal tabs only. */
const OWS = /^[ \t]+|[ \t]+$/g;
const isOws = (code: number) => code === 0x20 || code === 0x09;
/** Node strips OWS from header values already: the regex runs only when some is left. */
const trimOws = (value: string) =>
  isOws(value.charCodeAt(0)) || isOws(value.charCodeAt(value.length - 1)) ? value.replace(OWS, '') : value;

/** Node joins repeated headers with ", "; a test's inject() may hand over the array itself. */
const joined = (value: string | readonly string[]): string => (typeof value === 'string' ? value : value.join(','));

/** The incoming `traceparent`, or undefined: then "vendors MUST ignore the traceparent". */
export function readTraceparent(value: string | readonly string[] | undefined): Traceparent | undefined {
  if (value === undefined) return undefined;
  const match = TRACEPARENT_FORM.exec(trimOws(joined(value)));
  if (!match) return undefined;
  const [, version = '', traceId = '', spanId = '', flags = '', rest] = match;
  // "Version ff is invalid." Version 00 is exactly 55 characters: nothing may follow its flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) & KNOWN_FLAGS };
}

/**
 * `key = simple-key / multi-tenant-key`:
 * `simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )`,
 * `tenant-id = ( lcalpha / DIGIT ) 0*240( ... )`, `system-id = lcalpha 0*13( ... )`.
 */
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
/** `value = 0*255(chr) nblk-chr`: printable ASCII except `,` and `=`, not ending in a space. */
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
/** "There can be a maximum of 32 list-members in a list." */
const MAX_MEMBERS = 32;

/**
 * The incoming `tracestate` as `key=value` pairs in order, or undefined when it
 * is absent, empty, or invalid anywhere: the strict test suite "expects the
 * tracestate to be discarded" (the whole header) for a bad key or value, a
 * duplicated key ("Only one entry per key is allowed") or a 33rd member.
 * Read only next to a valid traceparent: "If the vendor failed to parse
 * traceparent, it MUST NOT attempt to parse tracestate."
 */
export function readTracestate(value: string | readonly string[] | undefined): Array<[string, string]> | undefined {
  if (value === undefined) return undefined;
  const members: Array<[string, string]> = [];
  const keys = new Set<string>();
  for (const part of joined(value).split(',')) {
    // "Empty and whitespace-only list members are allowed"; OWS around a member is not part of it.
    const member = trimOws(part);
    if (member === '') continue;
    const equals = member.indexOf('=');
    const key = member.slice(0, equals);
    const memberValue = member.slice(equals + 1);
    if (equals === -1 || !KEY.test(key) || !VALUE.test(memberValue) || keys.has(key)) return undefined;
    keys.add(key);
    members.push([key, memberValue]);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  // "Vendors MUST accept empty tracestate headers but SHOULD avoid sending them."
  return members.length === 0 ? undefined : members;
}

/**
 * A validated `tracestate`, carried unchanged on our spans and sent on as it
 * arrived (minus optional whitespace). The mutations keep the spec's order:
 * "Modified keys MUST be moved to the beginning (left) of the list", and a
 * 33rd entry pushes out the right-most one.
 */
export class W3CTraceState implements TraceState {
  readonly #members: ReadonlyArray<readonly [string, string]>;

  constructor(members: ReadonlyArray<readonly [string, string]>) {
    this.#members = members;
  }

  get(key: string): string | undefined {
    return this.#members.find(([name]) => name === key)?.[1];
  }

  set(key: string, value: string): TraceState {
    if (!KEY.test(key) || !VALUE.test(value)) return this;
    return new W3CTraceState([[key, value] as const, ...this.#without(key)].slice(0, MAX_MEMBERS));
  }

  unset(key: string): TraceState {
    return new W3CTraceState(this.#without(key));
  }

  serialize(): string {
    return this.#members.map(([key, value]) => `${key}=${value}`).join(',');
  }

  #without(key: string): ReadonlyArray<readonly [string, string]> {
    return this.#members.filter(([name]) => name !== key);
  }
}

// --- What extraction learned, on the context ---------------------------------------

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

/** The two hex digits of every trace-flags combination Level 2 defines: sampled (0x01), random (0x02). */
const FLAGS_HEX = ['00', '01', '02', '03'] as const;

/** A version-00 `traceparent` (or `traceresponse`) value; `flags` keeps only the two flags Level 2 defines. */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${FLAGS_HEX[flags & KNOWN_FLAGS]}`;
}
