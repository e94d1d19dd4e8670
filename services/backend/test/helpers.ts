import { createLogger, type Logger } from '@meshtrace/service-kit';
import type { FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import { buildBackendApp } from '../src/app.ts';
import { type BackendConfig, loadBackendConfig } from '../src/config.ts';

export interface RunningBackend {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly config: BackendConfig;
  close(): Promise<void>;
}

/** A silent logger for in-process tests. */
export function quietLogger(): Logger {
  return createLogger({ level: 'silent', service: 'test', version: '0' });
}

/** Builds the backend from env and flags, as the entry point does, and listens on a free loopback port. */
export async function listenBackend(env: Record<string, string> = {}, argv: string[] = []): Promise<RunningBackend> {
  const config = loadBackendConfig(env, argv);
  const dispatcher = new Agent({ connections: 8 });
  const app = await buildBackendApp({ config, logger: quietLogger(), dispatcher, traced: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    config,
    async close() {
      await app.close();
      await dispatcher.close();
    },
  };
}
