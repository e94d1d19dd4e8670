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
    /** An operator's route on the traffic port (the frontend's read-only `GET /loop`): not traced, still access-logged. */
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

/**
 * `/healthz` (liveness: the process answers) and `/readyz` (readiness: send me traffic), on the
 * traffic port where the kubelet probes. What changes readiness is on the admin listener (admin.ts).
 */
async function healthPlugin(app: FastifyInstance): Promise<void> {
  app.decorate('readiness', createReadiness());

  app.get('/healthz', { config: probe }, async function healthz() {
    return { status: 'ok' };
  });

  app.get('/readyz', { config: probe }, async function readyz(_request, reply) {
    if (app.readiness.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: app.readiness.reason });
  });
}

export const health: FastifyPluginAsync = fp(healthPlugin, { name: 'meshtrace-health', fastify: '5.x' });
