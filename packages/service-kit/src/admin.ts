import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { appHeaders } from './app-headers.ts';
import { fastifyOptions, type ServerLimits } from './fastify-options.ts';
import type { Readiness } from './health.ts';
import type { Logger } from './logger.ts';

/**
 * The admin listener: the routes that change a running service, on their own address
 * (ADMIN_HOST:ADMIN_PORT, loopback by default), never on the traffic port. As with Envoy's
 * admin port, whoever reaches it is an operator: on loopback that is a process in the same pod
 * or container, `kubectl port-forward` or `docker compose exec`. Other pods, their sidecars and
 * the host network cannot connect, so no mesh identity, and no web page, can switch a service off.
 */

export interface AdminOptions {
  readonly logger: Logger;
  /** The request limits, and who answers (on `X-App-*`, like the traffic port). */
  readonly config: ServerLimits & { readonly serviceName: string; readonly serviceVersion: string };
  /** The traffic app's readiness (its `/readyz`), which the toggle below changes. */
  readonly readiness: Readiness;
  /** The service's own admin routes, e.g. the frontend's `POST /loop`. */
  readonly routes?: FastifyPluginAsync;
}

/** The one body type a state change accepts. */
const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

const DISABLED = 'disabled by POST /readyz/disable';

/**
 * A request that changes state must not come from a browser. A page can send a "simple" request
 * to any address (`fetch(url, {method: 'POST', mode: 'no-cors'})`, a form) without asking first,
 * but only with no body type or a form or text one; `application/json` makes the browser ask
 * with a CORS preflight, which this listener never grants. And every browser sends `Origin` on a
 * POST, which curl does not: a page that rebinds its own host name to 127.0.0.1 is refused too.
 */
async function operatorOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (request.headers.origin !== undefined)
    return reply.code(403).send({ error: 'forbidden', reason: 'the admin listener does not answer browsers' });
  if (!JSON_TYPE.test(request.headers['content-type'] ?? ''))
    return reply
      .code(415)
      .send({ error: 'unsupported media type', reason: 'a state change needs content-type: application/json' });
}

/** podinfo's toggle: take an instance out of rotation (and back) without restarting it. */
async function readinessToggle(app: FastifyInstance, options: { readonly readiness: Readiness }): Promise<void> {
  const { readiness } = options;
  app.post('/readyz/disable', async function disableReadiness() {
    readiness.markNotReady(DISABLED);
    return { status: 'not ready', reason: DISABLED };
  });

  app.post('/readyz/enable', async function enableReadiness(_request, reply) {
    // Only undoes /readyz/disable: an instance shutting down stays out of rotation.
    if (!readiness.ready && readiness.reason !== DISABLED)
      return reply.code(409).send({ status: 'not ready', reason: readiness.reason });
    readiness.markReady();
    return { status: 'ready' };
  });
}

/** Builds the admin app; the entry point listens on ADMIN_HOST:ADMIN_PORT (when CONTROL_ROUTES=on). */
export async function buildAdminApp(options: AdminOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify(fastifyOptions(options.logger.child({ listener: 'admin' }), config));
  await app.register(appHeaders, { name: config.serviceName, version: config.serviceVersion });
  app.addHook('onRequest', operatorOnly);
  // `curl -X POST -H 'content-type: application/json' …` with no body is a command without
  // arguments, not a malformed one (Fastify's own JSON parser answers it with 400).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, String(body), done),
  );
  await app.register(readinessToggle, { readiness: options.readiness });
  if (options.routes) await app.register(options.routes);
  return app;
}
