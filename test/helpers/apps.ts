import { createLogger } from '@meshtrace/service-kit';
import { Agent } from 'undici';
import { buildBackendApp } from '../../services/backend/src/app.ts';
import { loadBackendConfig } from '../../services/backend/src/config.ts';
import { buildFrontendApp } from '../../services/frontend/src/app.ts';
import { loadFrontendConfig } from '../../services/frontend/src/config.ts';
import type { ServiceInfo } from './services.ts';

/** A built Fastify app (fastify itself is a dependency of the services, not of the root). */
type App = Awaited<ReturnType<typeof buildBackendApp>>;

/** Each service's real app, built with default settings, to ask which paths it serves. */
export interface BuiltApps {
  /**
   * Whether `GET path` is a route of its own (not the backend's catch-all echo,
   * which answers 200 to any path) and the status it answers with.
   */
  probe(service: ServiceInfo, path: string): Promise<{ readonly route: boolean; readonly status: number }>;
  close(): Promise<void>;
}

export async function buildApps(): Promise<BuiltApps> {
  const logger = createLogger({ level: 'silent', service: 'deploy-test', version: '0.0.0' });
  const dispatcher = new Agent();
  const apps: Record<ServiceInfo['name'], App> = {
    backend: await buildBackendApp({ config: loadBackendConfig({}), logger, dispatcher, traced: false }),
    frontend: await buildFrontendApp({ config: loadFrontendConfig({}), logger, dispatcher, traced: false }),
  };
  return {
    async probe(service, path) {
      const app = apps[service.name];
      const response = await app.inject({ method: 'GET', url: path });
      return { route: app.hasRoute({ method: 'GET', url: path }), status: response.statusCode };
    },
    async close() {
      await Promise.all(Object.values(apps).map((app) => app.close()));
      await dispatcher.close();
    },
  };
}
