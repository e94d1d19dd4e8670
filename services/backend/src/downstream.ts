import { type DownstreamReport, downstreamReport } from '@meshtrace/service-kit';
import { tracedRequest } from '@meshtrace/tracing';
import type { Dispatcher } from 'undici';

export interface DownstreamOptions {
  /** Headers to forward unchanged (x-request-id and friends). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher | undefined;
  /** false: call without trace headers (PROPAGATION=off), so the next hop starts a new trace. */
  readonly propagate: boolean;
  /** ms since this request arrived, for the report's `started_ms` (Fastify's `reply.elapsedTime`). */
  readonly elapsedMs: () => number;
}

/** Calls every downstream in parallel; a failure is a report, never a thrown error. */
export function callDownstreams(urls: readonly string[], options: DownstreamOptions): Promise<DownstreamReport[]> {
  const headers = { ...options.headers, accept: 'application/json' };
  return Promise.all(
    urls.map(async (url) => {
      const startedMs = options.elapsedMs();
      const response = await tracedRequest(url, {
        headers,
        timeoutMs: options.timeoutMs,
        dispatcher: options.dispatcher,
        propagate: options.propagate,
      });
      return downstreamReport({ url, startedMs, propagated: options.propagate }, response);
    }),
  );
}
