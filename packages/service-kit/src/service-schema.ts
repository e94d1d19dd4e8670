import { readFileSync } from 'node:fs';

/** The version in a service's package.json, for `service.version` and `X-App-Version`. */
export function packageVersion(packageJsonUrl: URL): string {
  try {
    const { version } = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Settings every service has: where it listens, who it is, how it logs and stops. */
export function serviceSchema(defaults: { readonly name: string; readonly port: number; readonly version: string }) {
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
    serviceName: {
      env: 'OTEL_SERVICE_NAME',
      type: 'string',
      default: defaults.name,
      description: '`service.name` on spans, the `X-App-Name` header and every log line.',
    },
    serviceVersion: {
      env: 'SERVICE_VERSION',
      type: 'string',
      default: defaults.version,
      description: 'Reported as `X-App-Version`, `service.version` and in logs. Default: package.json version.',
    },
    logLevel: {
      env: 'LOG_LEVEL',
      type: 'enum',
      values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      description: 'Lowest log level written (JSON lines on stdout).',
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
      description: 'One deadline for the whole shutdown (delay, drain, flush); past it the process exits 1.',
    },
  } as const;
}
