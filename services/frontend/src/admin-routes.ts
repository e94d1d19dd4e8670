import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { type LoopControl, parseLoopCommand } from './loop-control.ts';

/**
 * `POST /loop`: pause, resume or re-rate the loop at run time. It lives on the admin listener
 * (service-kit's admin.ts), never on the traffic port: a caller that could reach it could turn
 * the frontend into a load generator against the backend and the trace collector.
 */
export function loopAdminRoutes(loop: LoopControl): FastifyPluginAsync {
  return async function loopAdmin(app: FastifyInstance) {
    app.post('/loop', async function controlLoop(request, reply) {
      const parsed = parseLoopCommand(request.body);
      if (!parsed.ok) return reply.code(400).send({ error: 'invalid loop command', reason: parsed.reason });
      if (!loop.attached)
        return reply.code(409).send({ error: 'no loop', reason: 'the loop is not running (LOOP_MODE=off)' });
      loop.apply(parsed.command);
      return loop.status();
    });
  };
}
