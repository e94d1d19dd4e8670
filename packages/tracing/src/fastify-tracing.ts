import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { formatTraceparent, TRACE_FLAG_RANDOM, TRACERESPONSE } from './headers.ts';

/** What the plugin records on each traced request. */
export interface RequestTrace {
  /** The SERVER span for this request. */
  readonly span: Span;
  /** The context to run work in (the span is active in it). */
  readonly context: Context;
  /** The caller's span, if valid trace headers arrived and were continued; undefined means we started a new trace. */
  readonly parent: SpanContext | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the tracing plugin; undefined for ignored routes. */
    trace: RequestTrace | undefined;
  }
}

export interface TracingPluginOptions {
  /** Defaults to the global tracer provider's `@meshtrace/tracing` tracer. */
  readonly tracer?: Tracer;
  /** Requests for which no span is recorded (e.g. probes). */
  readonly ignore?: (request: FastifyRequest) => boolean;
  /**
   * `continue` (default): the caller's context is the parent, and its sampling decision stands.
   * `link`: for a service whose callers are not trusted (a public edge): every request starts a
   * new trace, the sampler alone decides, and the caller's span is kept as a link.
   */
  readonly incomingContext?: 'continue' | 'link';
}

/** The methods HTTP semantic conventions name; anything else is recorded as `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/**
 * Sets `http.request.method` (and `http.request.method_original` when it had
 * to be normalised) on `attributes` and returns it: the server plugin fills one
 * object per request rather than spreading a new one into it (traced-request.ts uses it too).
 */
export function setHttpMethodAttributes(attributes: Attributes, method: string): Attributes {
  if (KNOWN_METHODS.has(method)) {
    attributes[ATTR_HTTP_REQUEST_METHOD] = method;
  } else {
    attributes[ATTR_HTTP_REQUEST_METHOD] = '_OTHER';
    attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  }
  return attributes;
}

/** True when `text` from `from` on is one or more ASCII digits. */
function isPort(text: string, from: number): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/**
 * Splits a Host header into address and port: `example.com:8080`,
 * `[::1]:8080` (the brackets stay) or a bare host. Anything else is recorded
 * whole, with no port. Index scans rather than a regex: it runs on every request.
 */
function hostAndPort(host: string | undefined): [string | undefined, number | undefined] {
  if (!host) return [undefined, undefined];
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const close = host.indexOf(']');
    if (close === host.length - 1) return [host, undefined];
    if (close !== -1 && host.charCodeAt(close + 1) === 0x3a /* : */ && isPort(host, close + 2))
      return [host.slice(0, close + 1), Number(host.slice(close + 2))];
  }
  const colon = host.indexOf(':');
  if (colon === -1) return [host, undefined];
  if (isPort(host, colon + 1)) return [host.slice(0, colon), Number(host.slice(colon + 1))];
  return [host, undefined];
}

/**
 * The SERVER span's attributes (HTTP semantic conventions), built only for a
 * span that records. Filled in place, not spread from a per-request object;
 * insertion order is the exported tag order.
 */
function serverAttributes(request: FastifyRequest, route: string | undefined): Attributes {
  const { url } = request;
  const [address, port] = hostAndPort(request.host);
  const query = url.indexOf('?');
  const attributes = setHttpMethodAttributes({}, request.method);
  attributes[ATTR_URL_PATH] = query === -1 ? url : url.slice(0, query);
  attributes[ATTR_URL_SCHEME] = request.protocol;
  attributes[ATTR_HTTP_ROUTE] = route;
  attributes[ATTR_SERVER_ADDRESS] = address;
  attributes[ATTR_SERVER_PORT] = port;
  attributes[ATTR_CLIENT_ADDRESS] = request.ip;
  attributes[ATTR_USER_AGENT_ORIGINAL] = request.headers['user-agent'];
  return attributes;
}

/**
 * W3C Trace Context Level 2 `traceresponse`: our SERVER span's ids, with the
 * sampled flag (did we record it) and the random flag ("at least the right-most
 * 7 bytes of the trace-id MUST be selected randomly"): true of a trace we
 * started (OpenTelemetry's ids are random), and copied from the caller for a
 * trace we continued. The SDK keeps only the sampled bit on our own span.
 */
function traceResponse(own: SpanContext, parent: SpanContext | undefined): string {
  const random = parent ? parent.traceFlags & TRACE_FLAG_RANDOM : TRACE_FLAG_RANDOM;
  return formatTraceparent(own.traceId, own.spanId, (own.traceFlags & TraceFlags.SAMPLED) | random);
}

/**
 * One SERVER span per request, continuing the caller's trace. The span is
 * started in `onRequest` from the extracted headers, and the rest of the
 * request (hooks, handler, client calls, log lines) runs inside its context.
 * It ends in `onResponse` with the status; 5xx marks it as an error.
 */
async function tracingPlugin(app: FastifyInstance, options: TracingPluginOptions): Promise<void> {
  const tracer = options.tracer ?? trace.getTracer('@meshtrace/tracing');
  const trustCaller = options.incomingContext !== 'link';
  app.decorateRequest('trace', undefined);

  app.addHook('onRequest', function startServerSpan(request, reply, done) {
    if (options.ignore?.(request)) return done();
    // Extraction never throws: bad or missing headers give back ROOT_CONTEXT, so we start a new trace.
    let extracted = propagation.extract(ROOT_CONTEXT, request.headers);
    let parent = trace.getSpanContext(extracted);
    let links: Link[] | undefined;
    if (!trustCaller) {
      // OpenTelemetry's overview, "Links between spans": a link declares "the relationship between
      // the originating and following trace. This can be used when a Trace enters trusted boundaries
      // of a service and service policy requires the generation of a new Trace rather than trusting
      // the incoming Trace context." Nothing the caller sent (ids, sampled, debug, tracestate,
      // baggage) reaches the sampler or the calls we make; the link keeps the way back.
      links = parent ? [{ context: parent }] : undefined;
      extracted = ROOT_CONTEXT;
      parent = undefined;
    }
    const route = request.routeOptions.url;
    // No attributes here: the SDK sanitises startSpan's attributes before it asks the sampler
    // (and again after), so every request paid for them. Saves about 2.5 µs (docs/benchmarks.md).
    // An unsampled caller (99 requests in 100 behind Istio's 1%) takes the SDK's own short path:
    // startSpan asks the configured sampler and, on NOT_RECORD, returns a non-recording span with
    // a new span id and flags 00 (sdk-trace's Tracer.startSpan), which inject() sends on. A path of
    // our own around it was measured at 0.1-0.2 µs less per request, below what the bench resolves,
    // so it is not kept (docs/benchmarks.md, "The unsampled path").
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      links ? { kind: SpanKind.SERVER, links } : { kind: SpanKind.SERVER },
      extracted,
    );
    if (span.isRecording()) span.setAttributes(serverAttributes(request, route));
    const active = trace.setSpan(extracted, span);
    request.trace = { span, context: active, parent };
    reply.header(TRACERESPONSE, traceResponse(span.spanContext(), parent));
    // Everything Fastify runs after this hook runs inside the span's context.
    context.with(active, done);
  });

  app.addHook('onError', function recordError(request, _reply, error, done) {
    request.trace?.span.recordException(error);
    done();
  });

  // onResponse runs once the reply has been handed to the socket. Ending the SERVER span there is
  // what OpenTelemetry's own instrumentations do (instrumentation-http on the response's 'close',
  // @fastify/otel in onResponse) and what the HTTP conventions ask: http.server.request.duration
  // "SHOULD be the same as the HTTP server span duration", the whole exchange. The caller's CLIENT
  // span ends once the reply has arrived, in another process, so it may end first: the trace view
  // notes that rather than hiding it (packages/trace-tools/src/trace-analysis.ts).
  app.addHook('onResponse', function endServerSpan(request, reply, done) {
    const span = request.trace?.span;
    // A non-recording span drops attributes and ends as a no-op.
    if (!span?.isRecording()) return done();
    const status = reply.statusCode;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    // Server spans: 5xx is an error, 4xx is the client's mistake and stays unset.
    if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
    done();
  });

  app.addHook('onRequestAbort', function endAbortedSpan(request, done) {
    const span = request.trace?.span;
    if (span?.isRecording()) {
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
      span.end();
    }
    done();
  });
}

export const tracing: FastifyPluginAsync<TracingPluginOptions> = fp(tracingPlugin, {
  name: 'meshtrace-tracing',
  fastify: '5.x',
});

/**
 * A pino `mixin`: every line logged while a span is active (inside a request
 * or a loop tick) gets `trace_id`, `span_id` and `trace_flags`, the field names
 * OpenTelemetry's log data model and pino instrumentation use. A new object
 * each call, as pino merges into it.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string; trace_flags?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}
