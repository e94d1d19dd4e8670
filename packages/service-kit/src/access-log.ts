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

  /**
   * Fastify logs a 4xx from its own error handling (413 body too large, 400 bad JSON) at
   * `info` with the whole error, stack included: for the client's mistake, a stack is noise.
   * A 4xx is one `info` line naming the code and reason; a 5xx keeps Fastify's `error` line.
   */
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) {
      super.defaultErrorLog(error, request, reply);
      return;
    }
    const code = (error as { code?: unknown }).code;
    request.log.info(
      { status: reply.statusCode, error: { ...(typeof code === 'string' ? { code } : {}), message: error.message } },
      `client error ${reply.statusCode}: ${error.message}`,
    );
  }
}
