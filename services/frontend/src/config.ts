import { type ConfigOf, type Env, loadConfig, packageVersion, serviceSchema } from '@meshtrace/service-kit';

export const frontendSchema = {
  ...serviceSchema({
    name: 'frontend',
    port: 8080,
    version: packageVersion(new URL('../package.json', import.meta.url)),
  }),
  targetUrl: {
    env: 'TARGET_URL',
    type: 'url',
    default: 'http://localhost:5678/',
    description: 'What the loop and `GET /` call: the backend.',
  },
  loopMode: {
    env: 'LOOP_MODE',
    type: 'enum',
    values: ['generate', 'headerless', 'off'],
    default: 'generate',
    description:
      "`generate`: each tick starts a trace and sends B3 + traceparent. `headerless`: no trace headers, like the tutorial's curl. `off`: no loop.",
  },
  loopIntervalMs: {
    env: 'LOOP_INTERVAL_MS',
    type: 'integer',
    min: 10,
    max: 86_400_000,
    default: 5000,
    description: "Milliseconds from the start of one tick to the start of the next (the tutorial's `sleep 5`).",
  },
  requestTimeoutMs: {
    env: 'REQUEST_TIMEOUT_MS',
    type: 'integer',
    min: 1,
    max: 600_000,
    default: 2000,
    description: 'Each call to the target must finish within this; a slow target fails the tick, not the loop.',
  },
} as const;

export type FrontendConfig = ConfigOf<typeof frontendSchema>;

export function loadFrontendConfig(env: Env): FrontendConfig {
  return loadConfig(frontendSchema, env);
}
