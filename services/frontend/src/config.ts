import { packageVersion, serviceSchema } from '@meshtrace/service-kit';
import { serviceIdentity } from '@meshtrace/tracing';
import { type Environment, loadSettings, type SettingsOf } from '@meshtrace/tracing/settings';
import { KEY_VALUES_FORM, parseKeyValues } from './key-values.ts';
import { parseTargets, TARGETS_FORM, type Target } from './targets.ts';

export const frontendSchema = {
  ...serviceSchema({ port: 8080 }),
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
  targets: {
    env: 'TARGETS',
    type: 'string',
    default: '',
    format: { accepts: TARGETS_FORM, check: (text: string) => parseTargets(text) !== undefined },
    description:
      'Weighted targets for the loop, e.g. `http://backend:5678/a=3,http://backend:5678/b=1`. Empty: `TARGET_URL` alone.',
  },
  loopRate: {
    env: 'LOOP_RATE',
    type: 'number',
    min: 0,
    max: 10_000,
    default: 0,
    description:
      'Ticks per second, at a fixed rate that neither drifts nor bursts after a stall. 0: one tick per `LOOP_INTERVAL_MS`.',
  },
  loopConcurrency: {
    env: 'LOOP_CONCURRENCY',
    type: 'integer',
    min: 1,
    max: 10_000,
    default: 1,
    description:
      'At most this many ticks in flight; a tick due while all are busy is skipped and counted, never queued.',
  },
  loopJitter: {
    env: 'LOOP_JITTER',
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    description:
      'Each tick starts up to this fraction of an interval late, at random; the average rate stays the same.',
  },
  loopDurationMs: {
    env: 'LOOP_DURATION_MS',
    type: 'integer',
    min: 0,
    max: 2_147_483_647,
    default: 0,
    description: 'Stop the loop this many ms after it starts (the server keeps running). 0: never.',
  },
  loopCount: {
    env: 'LOOP_COUNT',
    type: 'integer',
    min: 0,
    max: 2_147_483_647,
    default: 0,
    description: 'Stop the loop after this many ticks. 0: never.',
  },
  loopMethod: {
    env: 'LOOP_METHOD',
    type: 'enum',
    values: ['get', 'post', 'put', 'patch', 'delete'],
    default: 'get',
    description: 'The method each tick sends.',
  },
  loopBody: {
    env: 'LOOP_BODY',
    type: 'string',
    default: '',
    allowEmpty: true,
    description: 'The body each tick sends (with `content-type: text/plain`), if not empty.',
  },
  loopBaggage: {
    env: 'LOOP_BAGGAGE',
    type: 'string',
    default: '',
    format: { accepts: KEY_VALUES_FORM, check: (text: string) => parseKeyValues(text) !== undefined },
    description: 'W3C baggage entries on every tick, e.g. `tenant=blue,plan=free` (sent in the `baggage` header).',
  },
  loopHeaders: {
    env: 'LOOP_HEADERS',
    type: 'string',
    default: '',
    format: { accepts: KEY_VALUES_FORM, check: (text: string) => parseKeyValues(text) !== undefined },
    description: 'Extra headers on every tick, e.g. `end-user=jason,x-canary=1` (Istio routing rules can match them).',
  },
  loopForceSampling: {
    env: 'LOOP_FORCE_SAMPLING',
    type: 'enum',
    values: ['off', 'sampled', 'debug'],
    default: 'off',
    description:
      "Make every tick a sampled trace, whatever the mesh's rate: `sampled` sends `x-b3-sampled: 1` and `traceparent` flags `01`, the decisions Envoy's zipkin and OpenTelemetry tracers read; `debug` adds `x-b3-flags: 1` (a B3 debug trace for the apps; Envoy never reads it). A `headerless` tick sends only `x-b3-sampled: 1` (and `x-b3-flags: 1`), which the OpenTelemetry tracer ignores.",
  },
  jaegerUiUrl: {
    env: 'JAEGER_UI_URL',
    type: 'url',
    default: '',
    description:
      "Jaeger's UI, for the trace links on `/ui/`: `http://localhost:16686` in Compose, `http://localhost:16686/jaeger` through a port-forward to Istio's addon. Empty: no links.",
  },
} as const;

/** Settings plus who the service is (OTEL_SERVICE_NAME, SERVICE_VERSION: see @meshtrace/tracing). */
export type FrontendConfig = SettingsOf<typeof frontendSchema> & {
  readonly serviceName: string;
  readonly serviceVersion: string;
};

/** TARGETS, or TARGET_URL alone; the schema has already checked that TARGETS parses. */
export function targetsOf(config: Pick<FrontendConfig, 'targets' | 'targetUrl'>): Target[] {
  const targets = parseTargets(config.targets) ?? [];
  return targets.length > 0 ? targets : [{ url: config.targetUrl, weight: 1 }];
}

/** The loop's interval: LOOP_RATE when set, else LOOP_INTERVAL_MS. */
export function loopIntervalOf(config: Pick<FrontendConfig, 'loopRate' | 'loopIntervalMs'>): number {
  return config.loopRate > 0 ? 1000 / config.loopRate : config.loopIntervalMs;
}

export function loadFrontendConfig(env: Environment): FrontendConfig {
  const config = loadSettings(frontendSchema, env);
  const identity = serviceIdentity(env, {
    name: 'frontend',
    version: packageVersion(new URL('../package.json', import.meta.url)),
  });
  return Object.freeze({ ...config, serviceName: identity.name, serviceVersion: identity.version });
}
