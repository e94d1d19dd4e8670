import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
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
  }
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
const DISABLED = 'disabled by POST /readyz/disable';

/** `/healthz` (liveness: the process answers) and `/readyz` (readiness: send me traffic). */
async function healthPlugin(app: FastifyInstance): Promise<void> {
  app.decorate('readiness', createReadiness());

  app.get('/healthz', { config: probe }, async function healthz() {
    return { status: 'ok' };
  });

  app.get('/readyz', { config: probe }, async function readyz(_request, reply) {
    if (app.readiness.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: app.readiness.reason });
  });

  // podinfo's toggle: take an instance out of rotation (and back) without restarting it.
  app.post('/readyz/disable', async function disableReadiness() {
    app.readiness.markNotReady(DISABLED);
    return { status: 'not ready', reason: DISABLED };
  });

  app.post('/readyz/enable', async function enableReadiness(_request, reply) {
    // Only undoes /readyz/disable: an instance shutting down stays out of rotation.
    if (!app.readiness.ready && app.readiness.reason !== DISABLED)
      return reply.code(409).send({ status: 'not ready', reason: app.readiness.reason });
    app.readiness.markReady();
    return { status: 'ready' };
  });
}

export const health: FastifyPluginAsync = fp(healthPlugin, { name: 'meshtrace-health', fastify: '5.x' });
