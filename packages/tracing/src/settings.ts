import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ConfigOf, type Env, loadConfig } from '@meshtrace/service-kit';
import { DEFAULT_PROPAGATORS, DEFAULT_ZIPKIN_ENDPOINT } from './constants.ts';

/**
 * The standard OpenTelemetry environment variables this package honours,
 * validated once at start-up like every other setting.
 */
export const tracingSchema = {
  disabled: {
    env: 'OTEL_SDK_DISABLED',
    type: 'boolean',
    default: false,
    description: 'Turn tracing off entirely: no SDK, no spans, no export. The services still work.',
  },
  serviceName: {
    env: 'OTEL_SERVICE_NAME',
    type: 'string',
    default: '',
    allowEmpty: true,
    description: "`service.name` on every span. Empty: the service's own name (`frontend`, `backend`).",
  },
  zipkinEndpoint: {
    env: 'OTEL_EXPORTER_ZIPKIN_ENDPOINT',
    type: 'url',
    default: DEFAULT_ZIPKIN_ENDPOINT,
    description: "Where spans are POSTed as Zipkin v2 JSON (Jaeger and Istio's `zipkin` Service accept it).",
  },
  sampler: {
    env: 'OTEL_TRACES_SAMPLER',
    type: 'enum',
    values: [
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
      'always_on',
      'always_off',
      'traceidratio',
    ],
    default: 'parentbased_always_on',
    description: 'Sampling for new traces; `parentbased_*` follow an incoming decision.',
  },
  samplerArg: {
    env: 'OTEL_TRACES_SAMPLER_ARG',
    type: 'number',
    min: 0,
    max: 1,
    default: 1,
    description: 'The ratio for the `traceidratio` samplers.',
  },
  propagators: {
    env: 'OTEL_PROPAGATORS',
    type: 'enum-list',
    values: ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'],
    default: DEFAULT_PROPAGATORS,
    description: 'Header formats read and written. B3 is always consulted last on extract, so it wins.',
  },
  batchDelayMs: {
    env: 'OTEL_BSP_SCHEDULE_DELAY',
    type: 'integer',
    min: 0,
    max: 600_000,
    default: 1000,
    description: 'Milliseconds between span exports (spec default 5000; shorter so the demo shows traces sooner).',
  },
  batchQueueSize: {
    env: 'OTEL_BSP_MAX_QUEUE_SIZE',
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 2048,
    description: 'Spans held for export; beyond this, new spans are dropped rather than memory growing.',
  },
  batchSize: {
    env: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 512,
    description: 'Spans per export request.',
  },
  zipkinTimeoutMs: {
    env: 'OTEL_EXPORTER_ZIPKIN_TIMEOUT',
    type: 'integer',
    min: 1,
    max: 600_000,
    default: 10_000,
    description:
      'Milliseconds one POST to the collector may take before it is aborted and its spans counted as failed.',
  },
  exportTimeoutMs: {
    env: 'OTEL_BSP_EXPORT_TIMEOUT',
    type: 'integer',
    min: 1,
    max: 600_000,
    default: 10_000,
    description: 'Milliseconds an export may take before it is abandoned; also caps `OTEL_EXPORTER_ZIPKIN_TIMEOUT`.',
  },
  logLevel: {
    env: 'OTEL_LOG_LEVEL',
    type: 'enum',
    values: ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'],
    default: 'warn',
    description:
      "The SDK's own diagnostics on stderr, including the span-loss summary (a `warn` line every 10 s at most).",
  },
} as const;

export type TracingSettings = ConfigOf<typeof tracingSchema> & { readonly serviceVersion: string };

interface MainPackage {
  readonly name: string;
  readonly version: string;
}

/**
 * The package.json of the program being run (found from its main script), so
 * `node --import @meshtrace/tracing/register dist/server.js` in services/backend
 * reports service.name "backend" and its version without any extra setting.
 */
function findMainPackage(mainScript: string | undefined): MainPackage | undefined {
  let dir = mainScript ? dirname(mainScript) : process.cwd();
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Partial<MainPackage>;
      if (typeof pkg.name === 'string') return { name: pkg.name, version: String(pkg.version ?? '0.0.0') };
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * Validates the OTEL_* variables. Without OTEL_SERVICE_NAME the service name is
 * the main package's name without its scope (`@meshtrace/backend` → `backend`).
 * @throws {ConfigError} for the first invalid variable.
 */
export function loadTracingSettings(env: Env, mainScript?: string): TracingSettings {
  const config = loadConfig(tracingSchema, env);
  const pkg = findMainPackage(mainScript);
  const serviceName = config.serviceName || pkg?.name.replace(/^@[^/]+\//, '') || 'unknown_service:node';
  return Object.freeze({ ...config, serviceName, serviceVersion: pkg?.version ?? '0.0.0' });
}
