import { fromOtlp, type OtlpTracesResult, type TraceSpan } from '@meshtrace/harness';
import { request } from 'undici';
import { JaegerError, JaegerNotApiError, JaegerUnreachableError } from './errors.ts';

/**
 * A client for Jaeger's HTTP query API v3 (the one to build on: the older
 * `/api/traces?service=` search is being removed upstream). Answers are OTLP
 * JSON under `result.resourceSpans`.
 */
export interface JaegerClientOptions {
  /** Jaeger's UI/API origin plus base path: `http://localhost:16686` or `http://localhost:16686/jaeger`. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
}

export interface TraceQuery {
  readonly service: string;
  readonly startMin: Date;
  readonly startMax: Date;
  /** `query.num_traces`: at most this many traces. */
  readonly limit: number;
}

interface Answer {
  readonly url: string;
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** `/api/v3/...` under the base path, whether or not it ends with a slash. */
export function apiUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  return base;
}

/** What to try when the base path looks wrong: Istio's addon lives under /jaeger, compose's at /. */
function basePathHint(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') return `Istio's addon serves the UI and API under /jaeger: try --jaeger ${url.origin}/jaeger`;
  const compose = `Jaeger from docker compose serves at /: try --jaeger ${url.origin}.`;
  // Already Istio's path: suggesting it again would send the user round in a circle.
  if (path === '/jaeger')
    return `${compose} For Istio's addon, /jaeger is right: check that the port is forwarded to svc/tracing (port 80), not another Service.`;
  return `${compose} Istio's addon: ${url.origin}/jaeger`;
}

async function get(url: URL, options: JaegerClientOptions): Promise<Answer> {
  try {
    const { statusCode, headers, body } = await request(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const type = headers['content-type'];
    return {
      url: url.href,
      status: statusCode,
      contentType: Array.isArray(type) ? (type[0] ?? '') : (type ?? ''),
      text: await body.text(),
    };
  } catch (error) {
    const { code, name, message } = error as { code?: string; name?: string; message?: string };
    const reason =
      name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (code ?? message ?? String(error));
    throw new JaegerUnreachableError(options.baseUrl, reason, { cause: error });
  }
}

function parseJson(answer: Answer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

function looksLikeHtml(answer: Answer): boolean {
  return answer.contentType.includes('html') || /^\s*<(!doctype|html)/i.test(answer.text);
}

/** The services Jaeger has spans from. This is also the check that the URL is Jaeger's API at all. */
export async function fetchServices(options: JaegerClientOptions): Promise<string[]> {
  const answer = await get(apiUrl(options.baseUrl, '/api/v3/services'), options);
  const hint = basePathHint(options.baseUrl);
  if (looksLikeHtml(answer))
    throw new JaegerNotApiError(answer.url, `it answered an HTML page (HTTP ${answer.status}), not JSON`, hint);
  if (answer.status !== 200) throw new JaegerNotApiError(answer.url, `it answered HTTP ${answer.status}`, hint);
  const json = parseJson(answer) as { services?: unknown } | undefined;
  if (!Array.isArray(json?.services))
    throw new JaegerNotApiError(answer.url, 'its answer has no "services" list', hint);
  return json.services.filter((s): s is string => typeof s === 'string');
}

/**
 * Spans of the traces with a span of `query.service` that started in the
 * window. Jaeger answers 404 when nothing matches: that is an empty list here.
 */
export async function fetchTraces(options: JaegerClientOptions, query: TraceQuery): Promise<TraceSpan[]> {
  const url = apiUrl(options.baseUrl, '/api/v3/traces');
  url.searchParams.set('query.service_name', query.service);
  // RFC 3339 is required; without both bounds Jaeger answers 400.
  url.searchParams.set('query.start_time_min', query.startMin.toISOString());
  url.searchParams.set('query.start_time_max', query.startMax.toISOString());
  url.searchParams.set('query.num_traces', String(query.limit));
  const answer = await get(url, options);
  if (answer.status === 404 && !looksLikeHtml(answer)) return [];
  const json = parseJson(answer) as { result?: OtlpTracesResult; error?: { message?: string } } | undefined;
  if (answer.status !== 200 || json === undefined) {
    const detail = json?.error?.message ?? (looksLikeHtml(answer) ? 'an HTML page' : answer.text.slice(0, 200));
    throw new JaegerError(
      'MTR_ERR_JAEGER_QUERY',
      `trace search failed: HTTP ${answer.status} from ${answer.url}: ${detail}`,
      basePathHint(options.baseUrl),
    );
  }
  return fromOtlp(json.result);
}
