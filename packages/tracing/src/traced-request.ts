import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type { Dispatcher } from 'undici';
import { setHttpMethodAttributes } from './fastify-tracing.ts';
import { FORWARDED_HEADERS, SAMPLING_REQUEST_HEADERS } from './headers.ts';

/**
 * The headers from FORWARDED_HEADERS present on an incoming request, copied
 * unchanged for every outgoing call made while serving it. Nothing is invented:
 * a header that did not arrive is not sent. A service whose callers are not
 * trusted (`trustedCaller: false`, INCOMING_TRACE_CONTEXT=link) also drops the
 * ones that ask the next tracer to sample (SAMPLING_REQUEST_HEADERS).
 */
export function pickForwardedHeaders(
  incoming: IncomingHttpHeaders,
  options: { readonly trustedCaller?: boolean } = {},
): Record<string, string> {
  const trusted = options.trustedCaller ?? true;
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = incoming[name];
    // Node joins repeated custom headers into one string; an array only appears for set-cookie.
    if (typeof value === 'string' && (trusted || !SAMPLING_REQUEST_HEADERS.has(name))) picked[name] = value;
  }
  return picked;
}

export interface TracedRequestOptions {
  readonly method?: Dispatcher.HttpMethod;
  /** Extra headers, e.g. from pickForwardedHeaders(). Trace headers are added on top. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole call (connect, headers and body) must finish within this. */
  readonly timeoutMs: number;
  /** The undici pool to use; closed by its owner on shutdown. Unset: undici's global pool. */
  readonly dispatcher?: Dispatcher | undefined;
  /** false: no CLIENT span and no trace headers, like a plain curl. Default true. */
  readonly traced?: boolean;
  /** false: record the CLIENT span but send no trace headers (the callee starts a new trace). Default true. */
  readonly propagate?: boolean;
}

/**
 * undici is imported by the first call, not with this module: a service that
 * never calls out (the backend without DOWNSTREAM_URLS) starts about 70 ms
 * sooner without it (docs/benchmarks.md). Later calls reuse the loaded module.
 */
let undici: Promise<typeof import('undici')> | undefined;
function loadUndici(): Promise<typeof import('undici')> {
  undici ??= import('undici');
  return undici;
}

export type DownstreamFailure = 'timeout' | 'connection' | 'invalid-url' | 'other';

export type TracedResponse =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: Readonly<Record<string, string | string[] | undefined>>;
      readonly body: string;
      readonly durationMs: number;
      /** The trace the call was made in (empty when untraced). */
      readonly traceId: string;
      readonly spanId: string;
    }
  | {
      readonly ok: false;
      /** A stable code to match on, also set as `error.type` on the span. */
      readonly failure: DownstreamFailure;
      readonly message: string;
      readonly durationMs: number;
      readonly traceId: string;
      readonly spanId: string;
    };

function classify(error: unknown): DownstreamFailure {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  if (name === 'TimeoutError' || name === 'AbortError' || code?.endsWith('TIMEOUT')) return 'timeout';
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') return 'invalid-url';
  if (code?.startsWith('E') || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connection';
  return 'other';
}

function serverOf(url: string): [string | undefined, number | undefined] {
  if (!URL.canParse(url)) return [undefined, undefined];
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return [parsed.hostname, port];
}

/**
 * An HTTP call with a CLIENT span: the span is a child of whatever is active
 * (the incoming request's SERVER span, or a loop tick), and the propagators
 * write its ids into the outgoing headers, so the callee's span becomes its
 * child. Never throws: failures come back as `{ ok: false, failure }` and mark
 * the span as an error. The response body is always read, so the connection
 * returns to the pool.
 */
export async function tracedRequest(url: string, options: TracedRequestOptions): Promise<TracedResponse> {
  const method = options.method ?? 'GET';
  const traced = options.traced ?? true;
  const [address, port] = serverOf(url);
  const span = traced
    ? trace.getTracer('@meshtrace/tracing').startSpan(method, {
        kind: SpanKind.CLIENT,
        attributes: {
          ...setHttpMethodAttributes({}, method),
          [ATTR_URL_FULL]: url,
          [ATTR_SERVER_ADDRESS]: address,
          [ATTR_SERVER_PORT]: port,
        },
      })
    : undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (span && options.propagate !== false) propagation.inject(trace.setSpan(context.active(), span), headers);
  const { traceId, spanId } = span?.spanContext() ?? { traceId: '', spanId: '' };

  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const { request } = await loadUndici();
    const response = await request(url, {
      method,
      headers,
      body: options.body ?? null,
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const body = await response.body.text();
    span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
    // Client spans: any 4xx or 5xx answer is a failed call.
    if (response.statusCode >= 400) {
      span?.setAttribute(ATTR_ERROR_TYPE, String(response.statusCode));
      span?.setStatus({ code: SpanStatusCode.ERROR });
    }
    return {
      ok: true,
      status: response.statusCode,
      headers: response.headers,
      body,
      durationMs: elapsed(),
      traceId,
      spanId,
    };
  } catch (error) {
    const failure = classify(error);
    const message = error instanceof Error ? error.message : String(error);
    span?.setAttribute(ATTR_ERROR_TYPE, failure);
    span?.recordException(error as Error);
    span?.setStatus({ code: SpanStatusCode.ERROR, message });
    return { ok: false, failure, message, durationMs: elapsed(), traceId, spanId };
  } finally {
    span?.end();
  }
}
