import { readFileSync } from 'node:fs';

/** The version in a service's package.json: the default `service.version` (see @meshtrace/tracing's identity). */
export function packageVersion(packageJsonUrl: URL): string {
  try {
    const { version } = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Settings every service has: where it listens, how it logs and stops. Who it
 * is (OTEL_SERVICE_NAME, SERVICE_VERSION) is read by @meshtrace/tracing's
 * loadServiceIdentity(), the one source for spans, logs, headers and metrics.
 */
export function serviceSchema(defaults: { readonly port: number }) {
  return {
    host: {
      env: 'HOST',
      type: 'string',
      default: '0.0.0.0',
      description: 'Address to listen on. `0.0.0.0` in containers, so the sidecar and kubelet can reach it.',
    },
    port: {
      env: 'PORT',
      type: 'integer',
      min: 0,
      max: 65535,
      default: defaults.port,
      description: 'Port to listen on (0 picks a free one).',
    },
    controlRoutes: {
      env: 'CONTROL_ROUTES',
      type: 'enum',
      values: ['on', 'off'],
      default: 'on',
      description:
        "`on`: the admin listener (`ADMIN_HOST`:`ADMIN_PORT`) serves the routes that change the service: `POST /readyz/disable`, `/readyz/enable`, and the frontend's `POST /loop`. `off`: no admin listener; nothing can change the service at run time.",
    },
    adminHost: {
      env: 'ADMIN_HOST',
      type: 'string',
      default: '127.0.0.1',
      description:
        'Address of the admin listener. Loopback: only the pod or container itself reaches it, so `kubectl port-forward` and `docker compose exec` do and other pods, sidecars and the host network do not.',
    },
    adminPort: {
      env: 'ADMIN_PORT',
      type: 'integer',
      min: 0,
      max: 65535,
      default: 9901,
      description: "Port of the admin listener (Envoy's admin port number; 0 picks a free one).",
    },
    incomingTraceContext: {
      env: 'INCOMING_TRACE_CONTEXT',
      type: 'enum',
      values: ['continue', 'link'],
      default: 'continue',
      description:
        "`continue`: join the caller's trace and follow its sampling decision. `link`: for a service facing untrusted callers: start a new trace that only links to the caller's, let `OTEL_TRACES_SAMPLER` decide, and do not pass on `x-client-trace-id` or `x-datadog-sampling-priority`.",
    },
    logLevel: {
      env: 'LOG_LEVEL',
      type: 'enum',
      values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      description: 'Lowest log level written (JSON lines on stdout).',
    },
    bodyLimitBytes: {
      env: 'BODY_LIMIT_BYTES',
      type: 'integer',
      min: 1,
      max: 1_073_741_824,
      default: 1_048_576,
      description: 'Largest request body accepted; a larger one is answered 413.',
    },
    maxHeaderBytes: {
      env: 'MAX_HEADER_BYTES',
      type: 'integer',
      min: 1024,
      max: 1_048_576,
      default: 16_384,
      description: "Largest request line plus headers (Node's `maxHeaderSize`); beyond it, 431. Covers long URLs too.",
    },
    incomingHeadersTimeoutMs: {
      env: 'INCOMING_HEADERS_TIMEOUT_MS',
      type: 'integer',
      min: 100,
      max: 600_000,
      default: 10_000,
      description: 'Time a client has to send all request headers; a slower one gets 408 and is disconnected.',
    },
    incomingRequestTimeoutMs: {
      env: 'INCOMING_REQUEST_TIMEOUT_MS',
      type: 'integer',
      min: 100,
      max: 3_600_000,
      default: 30_000,
      description: 'Time a client has to send its whole request, body included (not the time to answer it); then 408.',
    },
    socketTimeoutMs: {
      env: 'SOCKET_TIMEOUT_MS',
      type: 'integer',
      min: 1000,
      max: 3_600_000,
      default: 30_000,
      description:
        "A connection on which nothing moves for this long is closed (Node's `server.timeout`, counted from the last read or completed write): a client that stops reading its answer is dropped, with the memory it pinned. An answer must also start within it: the backend refuses a value below its longest delay plus `DOWNSTREAM_TIMEOUT_MS`.",
    },
    shutdownDelayMs: {
      env: 'SHUTDOWN_DELAY_MS',
      type: 'integer',
      min: 0,
      max: 120_000,
      default: 0,
      description: 'After SIGTERM: readiness fails at once, the server keeps serving this long, then drains.',
    },
    shutdownTimeoutMs: {
      env: 'SHUTDOWN_TIMEOUT_MS',
      type: 'integer',
      min: 100,
      max: 600_000,
      default: 10_000,
      description:
        'One deadline for the whole shutdown. Draining gets the first three quarters: connections still open then are closed. The last quarter is kept for flushing spans. Exit 0 unless a step fails.',
    },
  } as const;
}
