import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Environment, readSettings, type SettingsOf } from './env-settings.ts';
import { InvalidSettingsError } from './errors.ts';

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

export const identitySchema = {
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

export type IdentitySettings = SettingsOf<typeof identitySchema>;

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
export function resolveIdentity(settings: IdentitySettings, defaults: IdentityDefaults): ServiceIdentity {
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
  const { settings, invalid } = readSettings(identitySchema, env);
  if (invalid.length > 0) throw new InvalidSettingsError(invalid);
  return resolveIdentity(settings, defaults);
}

/**
 * The package.json of the program being run, found from its main script, so
 * `node --import @meshtrace/tracing/register dist/server.js` in services/backend
 * is "backend" at its package version without any setting. The scope is dropped.
 */
export function mainPackageIdentity(mainScript: string | undefined): IdentityDefaults {
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
