import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Fastify's per-request log lines, replaced by one access-log line per
 * request when the response has been sent, like http-echo's. Probe routes stay
 * quiet. The trace fields come from the logger's mixin: this runs inside the
 * request's span context.
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {
    // One line per request, written on completion.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (request.routeOptions.config.probe) return;
    const line = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      remote: request.ip,
    };
    const message = `${request.method} ${request.url} ${reply.statusCode}`;
    if (error) request.log.error({ ...line, err: error }, message);
    else request.log.info(line, message);
  }
}
