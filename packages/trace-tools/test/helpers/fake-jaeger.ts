import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZipkinSpan } from '@meshtrace/harness';
import { type EnumStyle, zipkinToOtlp } from './zipkin-to-otlp.ts';

export interface FakeJaeger {
  /** Origin plus base path, as `--jaeger` takes it. */
  readonly url: string;
  readonly origin: string;
  /** Every query string /api/v3/traces received. */
  readonly queries: URLSearchParams[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Jaeger's gateway error: http.Error writes it as text/plain. */
function gatewayError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${JSON.stringify({ error: { http_code: status, message } })}\n`);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A real HTTP server answering the documented shapes of Jaeger's query API v3
 * (`/api/v3/services`, `/api/v3/traces`) under an optional base path, filled
 * with spans the services really exported.
 */
export async function startFakeJaeger(
  spans: readonly ZipkinSpan[],
  options: { basePath?: string; enums?: EnumStyle } = {},
): Promise<FakeJaeger> {
  const base = options.basePath ?? '';
  const queries: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://jaeger');
    if (url.pathname === `${base}/api/v3/services`) {
      const services = [...new Set(spans.map((s) => s.localEndpoint?.serviceName ?? 'unknown'))].sort();
      return json(res, 200, { services });
    }
    if (url.pathname === `${base}/api/v3/traces`) {
      queries.push(url.searchParams);
      const service = url.searchParams.get('query.service_name');
      const min = url.searchParams.get('query.start_time_min') ?? '';
      const max = url.searchParams.get('query.start_time_max') ?? '';
      if (!RFC3339.test(min) || !RFC3339.test(max))
        return gatewayError(res, 400, 'query.start_time_min and query.start_time_max are required');
      const [minUs, maxUs] = [Date.parse(min) * 1000, Date.parse(max) * 1000];
      const limit = Number(url.searchParams.get('query.num_traces') ?? '20');
      const matching = new Set<string>();
      for (const span of spans) {
        const start = span.timestamp ?? 0;
        if (span.localEndpoint?.serviceName === service && start >= minUs && start <= maxUs) matching.add(span.traceId);
      }
      const ids = [...matching].slice(0, limit);
      if (ids.length === 0) return gatewayError(res, 404, 'No traces found');
      const chosen = spans.filter((s) => ids.includes(s.traceId));
      return json(res, 200, { result: { resourceSpans: zipkinToOtlp(chosen, options.enums) } });
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${base}`,
    origin,
    queries,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
