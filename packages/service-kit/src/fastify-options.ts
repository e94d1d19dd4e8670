import type { Server } from 'node:http';
import type { FastifyBaseLogger, FastifyHttpOptions } from 'fastify';
import { AccessLogController } from './access-log.ts';
import type { Logger } from './logger.ts';

/** The request limits from serviceSchema (BODY_LIMIT_BYTES, MAX_HEADER_BYTES, INCOMING_*_TIMEOUT_MS, SOCKET_TIMEOUT_MS). */
export interface ServerLimits {
  readonly bodyLimitBytes: number;
  readonly maxHeaderBytes: number;
  readonly incomingHeadersTimeoutMs: number;
  readonly incomingRequestTimeoutMs: number;
  readonly socketTimeoutMs: number;
}

/**
 * How often Node looks for requests past their headers or request timeout. Its default, 30 s,
 * would let a slow client hold a connection for up to 30 s past INCOMING_HEADERS_TIMEOUT_MS.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * The Fastify and Node server options both services share, in one place: our pino logger, one
 * access-log line per request, and every request limit (413 body, 431 headers and URL, 408 slow
 * client, a closed connection for a client that stops reading).
 */
export function fastifyOptions(logger: Logger, limits: ServerLimits) {
  // Typed as Fastify's base logger so the instance keeps the default FastifyInstance type.
  const loggerInstance: FastifyBaseLogger = logger;
  return {
    loggerInstance,
    logController: new AccessLogController(),
    bodyLimit: limits.bodyLimitBytes,
    // Fastify sets this on the server after creating it (its default, 0, is no limit at all).
    requestTimeout: limits.incomingRequestTimeoutMs,
    // Node's `server.timeout` (its default, 0, is none): a socket quiet for this long is destroyed.
    // A write to a client that stopped reading makes no progress, so the answer it pins is freed.
    // Idle keep-alive connections are governed by Fastify's keepAliveTimeout (72 s) instead.
    connectionTimeout: limits.socketTimeoutMs,
    http: {
      maxHeaderSize: limits.maxHeaderBytes,
      // Node rejects a headers timeout longer than the request timeout.
      headersTimeout: Math.min(limits.incomingHeadersTimeoutMs, limits.incomingRequestTimeoutMs),
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.incomingHeadersTimeoutMs),
    },
  } satisfies FastifyHttpOptions<Server, FastifyBaseLogger>;
}
