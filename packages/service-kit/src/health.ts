import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Whether this instance should get traffic. Flips to false first when shutting down. */
export interface Readiness {
  readonly ready: boolean;
  readonly reason: string | undefined;
  markNotReady(reason: string): void;
  markReady(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness;
  }
  interface FastifyContextConfig {
    /** A probe route: not traced, not access-logged (kubelet calls it every few seconds). */
    probe?: boolean;
    /** A control route (an operator's, not a user's request): not traced, still access-logged. */
    control?: boolean;
  }
}

/**
 * Probe and control routes are the operator's, not user traffic: no span, so a trace
 * tool (pnpm demo, verify) only ever judges real requests. The services pass this as
 * the tracing plugin's `ignore` option.
 */
export function isOperatorRoute(request: FastifyRequest): boolean {
  const { probe, control } = request.routeOptions.config;
  return probe === true || control === true;
}

export interface HealthOptions {
  /** CONTROL_ROUTES=on: serve POST /readyz/disable and /readyz/enable. */
  readonly controlRoutes: boolean;
}

function createReadiness(): Readiness {
  let reason: string | undefined;
  return {
    get ready() {
      return reason === undefined;
    },
    get reason() {
      return reason;
    },
    markNotReady(why) {
      reason = why;
    },
    markReady() {
      reason = undefined;
    },
  };
}

const probe = { probe: true } as const;
const control = { control: true } as const;
const DISABLED = 'disabled by POST /readyz/disable';

/** `/healthz` (liveness: the process answers) and `/readyz` (readiness: send me traffic). */
async function healthPlugin(app: FastifyInstance, options: HealthOptions): Promise<void> {
  app.decorate('readiness', createReadiness());

  app.get('/healthz', { config: probe }, async function healthz() {
    return { status: 'ok' };
  });

  app.get('/readyz', { config: probe }, async function readyz(_request, reply) {
    if (app.readiness.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: app.readiness.reason });
  });

  // podinfo's toggle: take an instance out of rotation (and back) without restarting it.
  // Like podinfo's, anyone who can reach the port can call it; CONTROL_ROUTES=off removes it.
  if (!options.controlRoutes) return;
  app.post('/readyz/disable', { config: control }, async function disableReadiness() {
    app.readiness.markNotReady(DISABLED);
    return { status: 'not ready', reason: DISABLED };
  });

  app.post('/readyz/enable', { config: control }, async function enableReadiness(_request, reply) {
    // Only undoes /readyz/disable: an instance shutting down stays out of rotation.
    if (!app.readiness.ready && app.readiness.reason !== DISABLED)
      return reply.code(409).send({ status: 'not ready', reason: app.readiness.reason });
    app.readiness.markReady();
    return { status: 'ready' };
  });
}

export const health: FastifyPluginAsync<HealthOptions> = fp(healthPlugin, { name: 'meshtrace-health', fastify: '5.x' });
