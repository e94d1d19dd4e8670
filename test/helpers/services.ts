import { variablesOf } from '@meshtrace/service-kit';
import { parseSetting, type SettingsSchema, tracingSchema } from '@meshtrace/tracing/settings';
import { backendSchema } from '../../services/backend/src/config.ts';
import { frontendSchema } from '../../services/frontend/src/config.ts';
import { readPackageJson } from './repo.ts';

/** What the deploy tests need to know about each service, from the service itself. */
export interface ServiceInfo {
  readonly name: 'backend' | 'frontend';
  readonly dir: string;
  readonly schema: SettingsSchema;
  /** The port it listens on unless PORT says otherwise. */
  readonly defaultPort: number;
  /** The image `pnpm images` builds and the manifests run. */
  readonly image: string;
  readonly version: string;
  readonly startScript: string;
}

function info(name: ServiceInfo['name'], schema: SettingsSchema & { port: { default: number } }): ServiceInfo {
  const dir = `services/${name}`;
  const pkg = readPackageJson(`${dir}/package.json`);
  if (!pkg.version || !pkg.scripts?.start) throw new Error(`${dir}/package.json has no version or start script`);
  return {
    name,
    dir,
    schema,
    defaultPort: schema.port.default,
    image: `meshtrace/${name}`,
    version: pkg.version,
    startScript: pkg.scripts.start,
  };
}

export const SERVICES: readonly ServiceInfo[] = [info('backend', backendSchema), info('frontend', frontendSchema)];

export function serviceNamed(name: string): ServiceInfo {
  const found = SERVICES.find((service) => service.name === name);
  if (!found) throw new Error(`no service named ${name}`);
  return found;
}

/** The service an image reference (`meshtrace/backend`, `meshtrace/backend:0.1.0`) runs. */
export function serviceOfImage(image: string): ServiceInfo {
  const repository = image.replace(/:[^/:]+$/, '');
  const found = SERVICES.find((service) => service.image === repository);
  if (!found) throw new Error(`image ${image} is none of ${SERVICES.map((s) => s.image).join(', ')}`);
  return found;
}

/**
 * Problems with an environment given to a service: a variable neither the
 * service's schema nor the tracing schema reads (a typo), or a value one of
 * them would refuse at start-up. Empty when the service would start.
 */
export function envProblems(service: ServiceInfo, env: Readonly<Record<string, string>>): string[] {
  const schemas = [service.schema, tracingSchema];
  const known = new Set(schemas.flatMap((schema) => variablesOf(schema)));
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!known.has(name)) {
      problems.push(`${name} is not read by ${service.name}`);
      continue;
    }
    for (const schema of schemas) {
      for (const field of Object.values(schema)) {
        if (field.env === name && parseSetting(field, value) === undefined)
          problems.push(`${name}=${JSON.stringify(value)} is refused by ${service.name}`);
      }
    }
  }
  return problems;
}

/** The port the service listens on with this environment. */
export function listenPort(service: ServiceInfo, env: Readonly<Record<string, string>>): number {
  return env.PORT === undefined ? service.defaultPort : Number(env.PORT);
}
