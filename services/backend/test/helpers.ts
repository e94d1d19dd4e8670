import { buildAdminApp, createLogger, type Logger } from '@meshtrace/service-kit';
import type { FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { buildBackendApp } from '../src/app.ts';
import { type BackendConfig, loadBackendConfig } from '../src/config.ts';

export interface RunningBackend {
  readonly url: string;
  /** The admin listener (readiness toggle), on its own loopback port; undefined with CONTROL_ROUTES=off. */
  readonly adminUrl: string | undefined;
  readonly app: FastifyInstance;
  readonly config: BackendConfig;
  close(): Promise<void>;
}

/** A silent logger for in-process tests. */
export function quietLogger(): Logger {
  return createLogger({ level: 'silent', service: 'test', version: '0' });
}

/** Builds the backend (and its admin listener) from env and flags, as the entry point does, on free loopback ports. */
export async function listenBackend(env: Record<string, string> = {}, argv: string[] = []): Promise<RunningBackend> {
  const config = loadBackendConfig(env, argv);
  const dispatcher = new Agent({ connections: 8 });
  const logger = quietLogger();
  const app = await buildBackendApp({ config, logger, dispatcher, traced: false });
  const admin =
    config.controlRoutes === 'on' ? await buildAdminApp({ logger, config, readiness: app.readiness }) : undefined;
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const adminAddress = await admin?.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    adminUrl: adminAddress,
    app,
    config,
    async close() {
      await Promise.all([app.close(), admin?.close()]);
      await dispatcher.close();
    },
  };
}
