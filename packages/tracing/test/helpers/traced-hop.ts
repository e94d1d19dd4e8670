import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { tracing } from '../../src/fastify-tracing.ts';
import { tracedRequest } from '../../src/traced-request.ts';

/**
 * One traced hop over real sockets on 127.0.0.1: a Fastify app with the tracing plugin whose
 * `GET /hop` calls a downstream with the client helper, and that downstream, which records the
 * headers each call brought. `/hop` answers `{ parent }`: the caller's span id the plugin
 * continued, or null for a new trace.
 */
export interface TracedHop {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT` of the app. */
  readonly origin: string;
  /** The headers of every call the downstream received, oldest first. */
  readonly received: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startTracedHop(): Promise<TracedHop> {
  const received: IncomingHttpHeaders[] = [];
  const downstream = createServer((req, res) => {
    received.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
  const downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/next`;
  const app = Fastify();
  await app.register(tracing);
  app.get('/hop', async (request) => {
    await tracedRequest(downstreamUrl, { timeoutMs: 5000 });
    return { parent: request.trace?.parent?.spanId ?? null };
  });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    origin,
    received,
    async close() {
      await app.close();
      downstream.closeAllConnections();
      downstream.close();
    },
  };
}
