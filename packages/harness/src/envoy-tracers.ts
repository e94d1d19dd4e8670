import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A SIMULATION of what Envoy's two tracers do to trace headers, for the local
 * mesh (envoy-sidecar.ts) and its tests. It is not Envoy: no Envoy can run on
 * this project's machines. Each rule follows the Envoy source named beside it
 * (envoyproxy/envoy, as Istio 1.22–1.31 configures it: 128-bit trace ids,
 * `shared_span_context: false`, no OpenTelemetry sampler). Not modelled:
 * `x-client-trace-id` and `x-envoy-force-trace` forcing, `overall_sampling`,
 * per-route sampling, span tags beyond the few below. Pure: no I/O.
 */

/**
 * Istio's tracing providers, each the Envoy tracer it configures: `zipkin` (rewrites `x-b3-*`),
 * `zipkin-w3c` (the zipkin provider with `traceContextOption: USE_B3_WITH_W3C_PROPAGATION`,
 * Istio ≥ 1.28: rewrites both) and `opentelemetry` (rewrites only `traceparent`). The demo and
 * `verify` name them the same (trace-tools' mesh-providers.ts).
 */
export type MeshProvider = 'zipkin' | 'zipkin-w3c' | 'opentelemetry';

/** Request headers as Envoy reads them: lower-case names, the first value of each. */
export type Headers = Record<string, string>;

export interface EnvoySpan {
  /** 32 hex characters, or 16 for a continued 64-bit B3 trace (Envoy keeps its width). */
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId?: string;
  readonly sampled: boolean;
  /** The OpenTelemetry tracer carries the incoming tracestate on its span. */
  readonly tracestate?: string;
}

/** A span, or Envoy's NullSpan: headers it could not parse mean no span and nothing rewritten. */
export type StartedSpan = { readonly kind: 'span'; readonly span: EnvoySpan } | { readonly kind: 'null' };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** StringUtil::atoull(…, 16) over the whole string: hex digits of either case, nothing else. */
const HEX = (length: number) => new RegExp(`^[0-9a-fA-F]{${length}}$`);
const HEX16 = HEX(16);
const HEX32 = HEX(32);
const ZEROS = /^0+$/;
/** Envoy writes ids with Hex::uint64ToHex: lower-case. */
const lower = (id: string) => id.toLowerCase();

// --- The tracing decision (both tracers) -------------------------------------------------------------

/** UUIDRequestIDExtension (source/extensions/request_id/uuid/config.h): the trace reason lives in character 14. */
const TRACE_BYTE_POSITION = 14;
const TRACE_SAMPLED = '9';
const TRACED_REASONS = new Set([TRACE_SAMPLED, 'a' /* forced */, 'b' /* client */]);
const UUID_LENGTH = 36;

/**
 * Envoy's own decision for a request, before any trace header is read, and the
 * `x-request-id` it forwards. ConnectionManagerUtility::mutateRequestHeaders
 * generates `x-request-id` when there is none (UUIDRequestIDExtension::set);
 * ConnectionManagerUtility::mutateTracingRequestHeader (source/common/http/
 * conn_manager_utility.cc) then samples on "the first 8 hex characters of the
 * request id, modulo 10000" (UUIDRequestIDExtension::toInteger): the same id
 * gives the same answer at every sidecar. An id whose first 8 characters are
 * not hex is "corrupted": never traced, whatever the rate (envoy#12808). The
 * reason is written back into character 14 of a UUID (setTraceReason), so
 * later sidecars see "sampled"; a non-UUID id cannot carry it.
 */
export function tracingDecision(headers: Headers, samplingPercent: number): boolean {
  headers['x-request-id'] ??= randomUUID();
  const requestId = headers['x-request-id'];
  const prefix = requestId.slice(0, 8);
  if (!HEX(8).test(prefix)) return false;
  const isUuid = requestId.length === UUID_LENGTH;
  if (isUuid && TRACED_REASONS.has(requestId.charAt(TRACE_BYTE_POSITION))) return true;
  // runtime.featureEnabled("tracing.random_sampling", random_sampling, result): result < percent of 10000.
  const traced = Number.parseInt(prefix, 16) % 10_000 < samplingPercent * 100;
  if (traced && isUuid)
    headers['x-request-id'] =
      requestId.slice(0, TRACE_BYTE_POSITION) + TRACE_SAMPLED + requestId.slice(TRACE_BYTE_POSITION + 1);
  return traced;
}

// --- W3C traceparent, as Envoy's OpenTelemetry tracer reads it ------------------------------------------

interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

/**
 * SpanContextExtractor::extractSpanContext (source/extensions/tracers/
 * opentelemetry/span_context_extractor.cc): exactly 55 characters, four
 * dash-separated fields of 2, 32, 16 and 2 hex digits (either case), trace-id
 * and parent-id not all zeros. The version is not checked. "sampled" is bit 0 of
 * the flags; every other bit, the random flag included, is dropped.
 * Undefined: present but invalid.
 */
function parseTraceparent(value: string): Traceparent | undefined {
  if (value.length !== 55) return undefined;
  const [version = '', traceId = '', spanId = '', flags = '', ...rest] = value.split('-');
  if (rest.length > 0 || !HEX(2).test(version) || !HEX32.test(traceId) || !HEX16.test(spanId) || !HEX(2).test(flags))
    return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(spanId)) return undefined;
  return { traceId: lower(traceId), spanId: lower(spanId), sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

// --- B3, as Envoy's zipkin tracer reads it --------------------------------------------------------------

/** The sampling states of a `b3` header: `0` is the only "not sampled" one. */
const B3_STATES = new Set(['0', '1', 'd']);

/**
 * SpanContextExtractor::extractSampled (source/extensions/tracers/zipkin/
 * span_context_extractor.cc): `b3` first, its state at the position its length
 * implies (`0` is not sampled; `1` and `d` are); else `x-b3-sampled`, where only
 * `1` or `true` mean sampled and any other value means not. `x-b3-flags` is
 * never read. Undefined: no decision arrived, Envoy's own decides.
 */
function b3Sampled(headers: Headers): boolean | undefined {
  const single = headers.b3;
  if (single !== undefined) {
    const position = { 1: 0, 35: 34, 51: 50, 52: 34, 68: 50 }[single.length];
    const state = position === undefined ? undefined : single.charAt(position);
    return state !== undefined && B3_STATES.has(state) ? state !== '0' : undefined;
  }
  const sampled = headers['x-b3-sampled'];
  return sampled === undefined ? undefined : sampled === '1' || sampled === 'true';
}

type B3Ids = { readonly traceId: string; readonly spanId: string } | 'none' | 'invalid';

/**
 * SpanContextExtractor::extractSpanContextFromB3SingleFormat: `{trace}-{span}[-{state}[-{parent}]]`
 * with a 16- or 32-digit trace id; a lone state is no context; anything else
 * throws ExtractorException, and Driver::startSpan answers with a NullSpan.
 */
function b3SingleIds(value: string): B3Ids {
  if (value.length === 1) return B3_STATES.has(value) ? 'none' : 'invalid';
  const match = /^([0-9a-fA-F]{32}|[0-9a-fA-F]{16})-([0-9a-fA-F]{16})(?:-([01d])(?:-([0-9a-fA-F]{16}))?)?$/.exec(value);
  return match?.[1] && match[2] ? { traceId: lower(match[1]), spanId: lower(match[2]) } : 'invalid';
}

/**
 * SpanContextExtractor::extractSpanContext: `b3` when present, else both
 * `x-b3-traceid` and `x-b3-spanid` (32 hex digits, or any shorter hex number
 * for a 64-bit id, written back as 16 digits); one without the other is no context.
 */
function b3Ids(headers: Headers): B3Ids {
  if (headers.b3 !== undefined) return b3SingleIds(headers.b3);
  const traceId = headers['x-b3-traceid'];
  const spanId = headers['x-b3-spanid'];
  if (traceId === undefined || spanId === undefined) return 'none';
  const parentId = headers['x-b3-parentspanid'];
  const isHex = (id: string) => /^[0-9a-fA-F]{1,16}$/.test(id);
  if (!(HEX32.test(traceId) || isHex(traceId)) || !isHex(spanId) || (parentId && !isHex(parentId))) return 'invalid';
  const width = (id: string) => lower(id.length === 32 ? id : id.padStart(16, '0'));
  return { traceId: width(traceId), spanId: width(spanId) };
}

// --- Starting a span -------------------------------------------------------------------------------------

/** Tracer::startSpan: a root has a new 128-bit trace id (Istio leaves trace_id_128bit on). */
const root = (sampled: boolean): EnvoySpan => ({ traceId: hex(16), spanId: hex(8), sampled });
/** Tracer::startSpan with a previous context: a new span id, the caller's span as parent, the same trace id. */
const child = (traceId: string, parentId: string, sampled: boolean, tracestate?: string): EnvoySpan => ({
  traceId,
  spanId: hex(8),
  parentId,
  sampled,
  ...(tracestate === undefined ? {} : { tracestate }),
});

/**
 * The span a sidecar starts for one request, given its own `decision`.
 * zipkin: Driver::startSpan (source/extensions/tracers/zipkin/zipkin_tracer_impl.cc);
 * zipkin-w3c (`trace_context_option: USE_B3_WITH_W3C_PROPAGATION`, Envoy ≥ 1.36):
 * the same, falling back to `traceparent` when no B3 context arrived;
 * opentelemetry: Driver::startSpan (source/extensions/tracers/opentelemetry/
 * opentelemetry_tracer_impl.cc) and Tracer::startSpan (tracer.cc), which with
 * no sampler configured "Respect[s] the previous span's sampled flag".
 */
export function startSpan(tracer: MeshProvider, headers: Headers, decision: boolean): StartedSpan {
  const traceparent = headers.traceparent;
  if (tracer === 'opentelemetry') {
    if (traceparent === undefined) return { kind: 'span', span: root(decision) };
    const parent = parseTraceparent(traceparent);
    if (!parent) return { kind: 'null' };
    return { kind: 'span', span: child(parent.traceId, parent.spanId, parent.sampled, headers.tracestate ?? '') };
  }
  const ids = b3Ids(headers);
  if (ids === 'invalid') return { kind: 'null' };
  const sampled = b3Sampled(headers);
  if (ids !== 'none') return { kind: 'span', span: child(ids.traceId, ids.spanId, sampled ?? decision) };
  // No B3 context. zipkin-w3c falls back to traceparent, its ids and (without a B3 decision) its flag.
  const parent = tracer === 'zipkin-w3c' && traceparent !== undefined ? parseTraceparent(traceparent) : undefined;
  if (parent) return { kind: 'span', span: child(parent.traceId, parent.spanId, sampled ?? parent.sampled) };
  return { kind: 'span', span: root(sampled ?? decision) };
}

/**
 * What the sidecar writes on the request it forwards. zipkin:
 * ZipkinSpan::injectContext writes `x-b3-traceid`, `x-b3-spanid`,
 * `x-b3-parentspanid` (when the span has a parent) and `x-b3-sampled` (`1`/`0`),
 * and never `b3` or `x-b3-flags`; nothing is removed. zipkin-w3c adds
 * `traceparent` for the same span (flags `01`/`00`), not `tracestate`.
 * opentelemetry: Span::injectContext writes `traceparent` (flags `01`/`00`) and
 * `tracestate` (the span's, empty for a root) and leaves `x-b3-*` alone.
 */
export function injectContext(tracer: MeshProvider, span: EnvoySpan, headers: Headers): void {
  const traceparent = `00-${span.traceId.padStart(32, '0')}-${span.spanId}-0${span.sampled ? 1 : 0}`;
  if (tracer === 'opentelemetry') {
    headers.traceparent = traceparent;
    headers.tracestate = span.tracestate ?? '';
    return;
  }
  headers['x-b3-traceid'] = span.traceId;
  headers['x-b3-spanid'] = span.spanId;
  if (span.parentId) headers['x-b3-parentspanid'] = span.parentId;
  headers['x-b3-sampled'] = span.sampled ? '1' : '0';
  if (tracer === 'zipkin-w3c') headers.traceparent = traceparent;
}
