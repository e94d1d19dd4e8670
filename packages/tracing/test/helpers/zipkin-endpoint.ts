import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The fields of a Zipkin v2 span these tests read. */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly debug?: boolean;
  readonly localEndpoint?: { readonly serviceName?: string };
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ZipkinEndpoint {
  readonly url: string;
  /** Every span received, in arrival order. */
  readonly spans: ZipkinSpan[];
  /** The headers of every upload. */
  readonly uploads: IncomingHttpHeaders[];
  /** Resolves once `predicate` holds for the spans received (checked on each upload). */
  waitFor(predicate: (spans: readonly ZipkinSpan[]) => boolean): Promise<readonly ZipkinSpan[]>;
  close(): Promise<void>;
}

/** A real Zipkin v2 collector endpoint on loopback: `POST /api/v2/spans` answers 202. */
export async function startZipkinEndpoint(): Promise<ZipkinEndpoint> {
  const spans: ZipkinSpan[] = [];
  const uploads: IncomingHttpHeaders[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    uploads.push(req.headers);
    spans.push(...(JSON.parse(body) as ZipkinSpan[]));
    res.writeHead(202).end();
    for (const wake of waiters.splice(0)) wake();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2/spans`,
    spans,
    uploads,
    async waitFor(predicate) {
      while (!predicate(spans)) await new Promise<void>((resolve) => waiters.push(resolve));
      return spans;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
