import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { AccessLogController } from './access-log.ts';
import type { Logger } from './logger.ts';

/** The Fastify options both services share: our pino logger and one access-log line per request. */
export function fastifyOptions(logger: Logger) {
  // Typed as Fastify's base logger so the instance keeps the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = logger;
  return { loggerInstance, logController: new AccessLogController() } satisfies FastifyServerOptions;
}
