import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Environment, loadSettings, type SettingsOf } from './env-settings.ts';
import { DEFAULT_OTLP_ENDPOINT, DEFAULT_PROPAGATORS, DEFAULT_ZIPKIN_ENDPOINT } from './headers.ts';

/**
 * The settings of this package, for the `./settings` entry: the standard
 * OTEL_* variables and the service identity, and the schema language and
 * error catalogue they are written in, which the services and the CLIs use too.
 */
export * from './env-settings.ts';
export * from './errors.ts';

/** OTLP over HTTP, as the spec names it. gRPC is not offered: see the README's notes. */
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const OTLP_COMPRESSIONS = ['none', 'gzip'] as const;
const OTLP_TIMEOUT = { min: 1, max: 600_000 } as const;

/** The spec's header list, `key1=value1,key2=value2` with percent-encoded values (as OTEL_RESOURCE_ATTRIBUTES). */
const HEADER_LIST = {
  accepts: 'comma-separated key=value pairs (values percent-encoded)',
  check: (text: string) => parseResourceAttributes(text) !== undefined,
} as const;

/**
 * The spec's per-signal form of an OTLP variable (`OTEL_EXPORTER_OTLP_TRACES_*`):
 * empty means "not set", and then the general variable applies.
 */
function tracesVariant(general: string, accepts: string, check: (text: string) => boolean) {
  return {
    env: general.replace('OTEL_EXPORTER_OTLP_', 'OTEL_EXPORTER_OTLP_TRACES_'),
    type: 'string',
    default: '',
    format: { accepts: `${accepts}, or empty`, check: (text: string) => text.trim() === '' || check(text.trim()) },
    description: `Wins over \`${general}\`.`,
  } as const;
}

/**
 * Who this process is: one answer for spans (`service.name`,
 * `service.version`), logs, `X-App-*` headers and metrics. The services and
 * the SDK both call resolveIdentity() on the same variables, so they can never
 * disagree, and it works with OTEL_SDK_DISABLED=true as well.
 */
export interface ServiceIdentity {
  readonly name: string;
  readonly version: string;
  /** Every resource attribute: OTEL_RESOURCE_ATTRIBUTES plus `service.name` and `service.version`. */
  readonly attributes: Readonly<Record<string, string>>;
}

const SERVICE_NAME = 'service.name';
const SERVICE_VERSION = 'service.version';

/**
 * OTEL_RESOURCE_ATTRIBUTES, as the OpenTelemetry SDK environment spec
 * defines it: `key1=value1,key2=value2`, values percent-encoded. Undefined
 * when malformed.
 */
export function parseResourceAttributes(text: string): Record<string, string> | undefined {
  const attributes: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const equals = pair.indexOf('=');
    const key = pair.slice(0, equals).trim();
    if (equals === -1 || key === '') return undefined;
    try {
      attributes[key] = decodeURIComponent(pair.slice(equals + 1).trim());
    } catch {
      return undefined;
    }
  }
  return attributes;
}

const identitySchema = {
  serviceName: {
    env: 'OTEL_SERVICE_NAME',
    type: 'string',
    default: '',
    allowEmpty: true,
    description:
      "`service.name` on spans, logs, `X-App-Name` and metrics. Wins over `service.name` in `OTEL_RESOURCE_ATTRIBUTES`. Empty: that, else the program's package name (`frontend`, `backend`).",
  },
  serviceVersion: {
    env: 'SERVICE_VERSION',
    type: 'string',
    default: '',
    allowEmpty: true,
    description:
      "`service.version` on spans, logs, `X-App-Version` and metrics. Wins over `service.version` in `OTEL_RESOURCE_ATTRIBUTES`. Empty: that, else the program's package.json version.",
  },
  resourceAttributes: {
    env: 'OTEL_RESOURCE_ATTRIBUTES',
    type: 'string',
    default: '',
    format: {
      accepts: 'comma-separated key=value pairs (values percent-encoded)',
      check: (text: string) => parseResourceAttributes(text) !== undefined,
    },
    description: 'More resource attributes on every span, e.g. `deployment.environment.name=dev`.',
  },
} as const;

/** The name and version a service has when no variable says otherwise. */
export interface IdentityDefaults {
  readonly name: string;
  readonly version: string;
}

/**
 * The precedence, as the OpenTelemetry spec has it for the name ("OTEL_SERVICE_NAME
 * ... takes precedence over service.name defined with OTEL_RESOURCE_ATTRIBUTES"),
 * and likewise for the version: the dedicated variable, then the resource
 * attribute, then the package's own.
 */
function resolveIdentity(settings: SettingsOf<typeof identitySchema>, defaults: IdentityDefaults): ServiceIdentity {
  const fromResource = parseResourceAttributes(settings.resourceAttributes) ?? {};
  const name = settings.serviceName.trim() || fromResource[SERVICE_NAME] || defaults.name;
  const version = settings.serviceVersion.trim() || fromResource[SERVICE_VERSION] || defaults.version;
  return Object.freeze({
    name,
    version,
    attributes: Object.freeze({ ...fromResource, [SERVICE_NAME]: name, [SERVICE_VERSION]: version }),
  });
}

/**
 * The identity a service reports, from its environment, for code that runs
 * without the SDK (logs, headers, metrics; also with OTEL_SDK_DISABLED=true).
 * @throws {InvalidSettingsError} for an invalid OTEL_RESOURCE_ATTRIBUTES.
 */
export function loadServiceIdentity(env: Environment, defaults: IdentityDefaults): ServiceIdentity {
  return resolveIdentity(loadSettings(identitySchema, env), defaults);
}

/**
 * The package.json of the program being run, found from its main script, so
 * `node --import @meshtrace/tracing/register dist/server.js` in services/backend
 * is "backend" at its package version without any setting. The scope is dropped.
 */
function mainPackageIdentity(mainScript: string | undefined): IdentityDefaults {
  let dir = mainScript ? dirname(mainScript) : process.cwd();
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof pkg.name === 'string')
        return {
          name: pkg.name.replace(/^@[^/]+\//, ''),
          version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
        };
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { name: 'unknown_service:node', version: '0.0.0' };
}

const isOneOf = (values: readonly string[]) => (text: string) => values.includes(text.toLowerCase());
const isTimeout = (text: string) =>
  /^\d+$/.test(text) && Number(text) >= OTLP_TIMEOUT.min && Number(text) <= OTLP_TIMEOUT.max;

/**
 * The standard OpenTelemetry environment variables this package honours,
 * validated once at start-up like every other setting.
 */
export const tracingSchema = {
  disabled: {
    env: 'OTEL_SDK_DISABLED',
    type: 'boolean',
    default: false,
    description:
      'Turn tracing off entirely: no SDK, no spans, no export. The services still work, under the same identity.',
  },
  ...identitySchema,
  exporter: {
    env: 'OTEL_TRACES_EXPORTER',
    type: 'enum',
    values: ['zipkin', 'otlp', 'none'],
    default: 'zipkin',
    description:
      'How spans leave the process: Zipkin v2 JSON, OTLP over HTTP, or not at all (`none`: context is still propagated). The spec defaults to `otlp`; Zipkin stays the default here.',
  },
  zipkinEndpoint: {
    env: 'OTEL_EXPORTER_ZIPKIN_ENDPOINT',
    type: 'url',
    default: DEFAULT_ZIPKIN_ENDPOINT,
    description: "Where spans are POSTed as Zipkin v2 JSON (Jaeger and Istio's `zipkin` Service accept it).",
  },
  otlpEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    type: 'url',
    default: DEFAULT_OTLP_ENDPOINT,
    description:
      "With `otlp`: the collector's base URL; spans are POSTed to it plus `/v1/traces` (Jaeger takes OTLP/HTTP on 4318).",
  },
  otlpTracesEndpoint: {
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    type: 'string',
    default: '',
    format: {
      accepts: 'an http:// or https:// URL, or empty',
      check: (text: string) =>
        text.trim() === '' || (/^https?:\/\/[^/?#]/.test(text.trim()) && URL.canParse(text.trim())),
    },
    description:
      'With `otlp`: the full URL spans are POSTed to, used as it is. Wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.',
  },
  otlpProtocol: {
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    type: 'enum',
    values: OTLP_PROTOCOLS,
    default: 'http/protobuf',
    description: "With `otlp`: the body's encoding, protobuf or JSON.",
  },
  otlpTracesProtocol: tracesVariant(
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    `one of ${OTLP_PROTOCOLS.join(', ')}`,
    isOneOf(OTLP_PROTOCOLS),
  ),
  otlpHeaders: {
    env: 'OTEL_EXPORTER_OTLP_HEADERS',
    type: 'string',
    default: '',
    format: HEADER_LIST,
    description: 'With `otlp`: headers on every upload, e.g. `authorization=Bearer%20abc`.',
  },
  otlpTracesHeaders: tracesVariant('OTEL_EXPORTER_OTLP_HEADERS', HEADER_LIST.accepts, HEADER_LIST.check),
  otlpTimeoutMs: {
    env: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    type: 'integer',
    ...OTLP_TIMEOUT,
    default: 10_000,
    description:
      'With `otlp`: milliseconds one export may take, retries included, before its spans are counted as failed. Capped by `OTEL_BSP_EXPORT_TIMEOUT`.',
  },
  otlpTracesTimeoutMs: tracesVariant(
    'OTEL_EXPORTER_OTLP_TIMEOUT',
    `an integer from ${OTLP_TIMEOUT.min} to ${OTLP_TIMEOUT.max}`,
    isTimeout,
  ),
  otlpCompression: {
    env: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    type: 'enum',
    values: OTLP_COMPRESSIONS,
    default: 'none',
    description: 'With `otlp`: `gzip` compresses each upload.',
  },
  otlpTracesCompression: tracesVariant(
    'OTEL_EXPORTER_OTLP_COMPRESSION',
    `one of ${OTLP_COMPRESSIONS.join(', ')}`,
    isOneOf(OTLP_COMPRESSIONS),
  ),
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
    description:
      "Header formats written, all of them; on extract, when they disagree, the later one wins (OpenTelemetry's convention). The default trusts B3: right behind Istio's `zipkin` provider. Behind its `opentelemetry` provider: `baggage,b3multi,tracecontext`.",
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
  attributeValueLengthLimit: {
    env: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    type: 'integer',
    min: 0,
    max: 1_048_576,
    default: 256,
    description:
      "Longest string attribute value kept on a span; longer ones are cut (spec default: no limit; 256 is Istio's tag limit). A 16 KB `user-agent` or path is not 16 KB in every span.",
  },
  spanAttributeValueLengthLimit: {
    env: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    type: 'integer',
    min: 0,
    max: 1_048_576,
    default: 256,
    description: 'The same for span attributes only; when set, it wins over `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.',
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

export type TracingSettings = Omit<
  SettingsOf<typeof tracingSchema>,
  keyof typeof identitySchema | 'spanAttributeValueLengthLimit'
> & {
  readonly identity: ServiceIdentity;
};

/**
 * Validates the OTEL_* variables, all of them, and the service identity.
 * Without OTEL_SERVICE_NAME the service is named after the package of the
 * program being run (`@meshtrace/backend` → `backend`), at its version.
 * @throws {InvalidSettingsError} listing every invalid variable, one line each.
 */
export function loadTracingSettings(env: Environment, mainScript?: string): TracingSettings {
  const { serviceName, serviceVersion, resourceAttributes, spanAttributeValueLengthLimit, ...rest } = loadSettings(
    tracingSchema,
    env,
  );
  const identity = resolveIdentity(
    { serviceName, serviceVersion, resourceAttributes },
    mainPackageIdentity(mainScript),
  );
  // The spec's precedence: the span-specific limit, where set, over the general one.
  const spanLimitSet = (env[tracingSchema.spanAttributeValueLengthLimit.env] ?? '').trim() !== '';
  return Object.freeze({
    ...rest,
    attributeValueLengthLimit: spanLimitSet ? spanAttributeValueLengthLimit : rest.attributeValueLengthLimit,
    identity,
  });
}
