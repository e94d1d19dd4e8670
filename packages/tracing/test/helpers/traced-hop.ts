import type { IncomingHttpHeaders } from 'node:http';
import { answeringWith } from '@meshtrace/harness';
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
  const downstream = await answeringWith((req, res) => {
    received.push(req.headers);
    res.end('ok');
  }, '/next');
  const app = Fastify();
  await app.register(tracing);
  app.get('/hop', async (request) => {
    await tracedRequest(downstream.url, { timeoutMs: 5000 });
    return { parent: request.trace?.parent?.spanId ?? null };
  });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    origin,
    received,
    async close() {
      await app.close();
      downstream.close();
    },
  };
}
