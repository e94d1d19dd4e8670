import type { IncomingHttpHeaders } from 'node:http';
import { b3SamplingOf, headers as names, type RequestTrace, readB3, type TracedResponse } from '@meshtrace/tracing';

/**
 * What one hop says about itself: the trace context it received and
 * continued, and each call it made. The backend's JSON echo and the
 * frontend's `/ui/api/send` answer carry the same shapes, so a reader (the
 * browser page, a test, `jq`) walks a chain of any length hop by hop from the
 * hops' own words instead of re-deriving them. Pure: no Fastify.
 */

export type TraceFormat = 'b3multi' | 'b3' | 'traceparent';

/** Which trace formats arrived, whether or not they were valid. Never throws. */
export function receivedFormats(headers: IncomingHttpHeaders): TraceFormat[] {
  const formats: TraceFormat[] = [];
  if (headers[names.X_B3_TRACE_ID] !== undefined || headers[names.X_B3_SPAN_ID] !== undefined) formats.push('b3multi');
  if (headers[names.B3_SINGLE] !== undefined) formats.push('b3');
  if (headers[names.TRACEPARENT] !== undefined) formats.push('traceparent');
  return formats;
}

/**
 * B3 debug, when tracing is off and nothing was extracted: read by B3's own
 * rules (`x-b3-flags: 1`, `b3: d` or a `d` sampling state). With tracing on,
 * the extracted context says it, and B3 is not read a second time.
 */
export function carriesB3Debug(headers: IncomingHttpHeaders): boolean {
  return readB3(headers)?.sampling === 'debug';
}

/** The trace context this hop received and continued. */
export interface TraceReport {
  /** false with OTEL_SDK_DISABLED=true: no ids are reported. */
  readonly enabled: boolean;
  readonly trace_id?: string;
  /** The caller's span id (our parent); absent when we started a new trace. */
  readonly parent_span_id?: string;
  /** Our own SERVER span. */
  readonly span_id?: string;
  readonly sampled?: boolean;
  readonly debug: boolean;
  /** Whether valid incoming context was continued (false: a new root trace). */
  readonly continued: boolean;
  readonly formats_received: readonly TraceFormat[];
  /** These three as they arrived, so a reader sees whether each hop passed them on. */
  readonly x_request_id?: string;
  readonly tracestate?: string;
  readonly baggage?: string;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function received(headers: IncomingHttpHeaders) {
  const requestId = first(headers[names.X_REQUEST_ID]);
  const tracestate = first(headers[names.TRACESTATE]);
  const baggage = first(headers[names.BAGGAGE]);
  return {
    ...(requestId === undefined ? {} : { x_request_id: requestId }),
    ...(tracestate === undefined ? {} : { tracestate }),
    ...(baggage === undefined ? {} : { baggage }),
  };
}

export function traceReport(requestTrace: RequestTrace | undefined, headers: IncomingHttpHeaders): TraceReport {
  const formats = receivedFormats(headers);
  if (!requestTrace)
    return {
      enabled: false,
      debug: carriesB3Debug(headers),
      continued: false,
      formats_received: formats,
      ...received(headers),
    };
  // The B3 decision we continued, if B3 won (OTEL_PROPAGATORS order): a debug header that lost is no debug trace.
  const debug = b3SamplingOf(requestTrace.context) === 'debug';
  const own = requestTrace.span.spanContext();
  return {
    enabled: true,
    trace_id: own.traceId,
    ...(requestTrace.parent ? { parent_span_id: requestTrace.parent.spanId } : {}),
    span_id: own.spanId,
    sampled: (own.traceFlags & 1) === 1,
    debug,
    continued: requestTrace.parent !== undefined,
    formats_received: formats,
    ...received(headers),
  };
}

/** What a hop reports for each call it made to the next one. */
export interface DownstreamReport {
  readonly url: string;
  readonly ok: boolean;
  readonly status?: number;
  /** Measured by the caller, so it includes the network (and any sidecars) both ways. */
  readonly duration_ms: number;
  /** When the call started, in ms after this hop received its own request: places it on a waterfall. */
  readonly started_ms: number;
  /** The CLIENT span of the call: the parent the callee should report, unless a proxy added a span between. */
  readonly span_id?: string;
  /** false: sent without trace headers (PROPAGATION=off), so the callee had to start a new trace. */
  readonly propagated: boolean;
  /** The downstream's own JSON answer, so a chain shows every hop's trace context. */
  readonly body?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

function jsonBody(response: Extract<TracedResponse, { ok: true }>): unknown {
  const type = response.headers['content-type'];
  if (typeof type !== 'string' || !type.includes('json')) return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

export interface CallFacts {
  readonly url: string;
  readonly startedMs: number;
  readonly propagated: boolean;
}

/** One call's report; a failed call is a report too, never a thrown error. */
export function downstreamReport(call: CallFacts, response: TracedResponse): DownstreamReport {
  const common = {
    url: call.url,
    duration_ms: response.durationMs,
    started_ms: Math.round(call.startedMs * 100) / 100,
    ...(response.spanId === '' ? {} : { span_id: response.spanId }),
    propagated: call.propagated && response.spanId !== '',
  };
  if (!response.ok) return { ...common, ok: false, error: { code: response.failure, message: response.message } };
  const body = jsonBody(response);
  return { ...common, ok: response.status < 400, status: response.status, ...(body === undefined ? {} : { body }) };
}
