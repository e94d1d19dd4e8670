import { type TracedResponse, tracedRequest } from '@meshtrace/tracing';
import type { Dispatcher } from 'undici';

/** What the echo reports for each downstream call. */
export interface DownstreamReport {
  readonly url: string;
  readonly ok: boolean;
  readonly status?: number;
  readonly duration_ms: number;
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

function report(url: string, response: TracedResponse): DownstreamReport {
  if (!response.ok) {
    return {
      url,
      ok: false,
      duration_ms: response.durationMs,
      error: { code: response.failure, message: response.message },
    };
  }
  const body = jsonBody(response);
  return {
    url,
    ok: response.status < 400,
    status: response.status,
    duration_ms: response.durationMs,
    ...(body === undefined ? {} : { body }),
  };
}

export interface DownstreamOptions {
  /** Headers to forward unchanged (x-request-id and friends). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** false: call without trace headers (PROPAGATION=off), so the next hop starts a new trace. */
  readonly propagate: boolean;
}

/** Calls every downstream in parallel; a failure is a report, never a thrown error. */
export function callDownstreams(urls: readonly string[], options: DownstreamOptions): Promise<DownstreamReport[]> {
  const headers = { ...options.headers, accept: 'application/json' };
  return Promise.all(
    urls.map(async (url) =>
      report(
        url,
        await tracedRequest(url, {
          headers,
          timeoutMs: options.timeoutMs,
          dispatcher: options.dispatcher,
          propagate: options.propagate,
        }),
      ),
    ),
  );
}
