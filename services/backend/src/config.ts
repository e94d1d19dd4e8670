import { packageVersion, serviceSchema } from '@meshtrace/service-kit';
import { serviceIdentity } from '@meshtrace/tracing';
import {
  type Environment,
  InvalidSettingsError,
  readSettings,
  type SettingIssue,
  type SettingSources,
  type SettingsOf,
} from '@meshtrace/tracing/settings';
import { DELAY_FORMS, type DelayDistribution, maxDelayOf, parseDelay } from './delay-distribution.ts';
import { isHeaderNameList } from './redact.ts';

export const backendSchema = {
  ...serviceSchema({ port: 5678 }),
  text: {
    env: 'ECHO_TEXT',
    type: 'string',
    default: 'hello from backend',
    description: "The text answered (plus a newline), as http-echo's `-text`.",
  },
  statusCode: {
    env: 'ECHO_STATUS_CODE',
    type: 'integer',
    min: 200,
    max: 599,
    default: 200,
    description: "Status of echo answers, as http-echo's `-status-code`. Health routes always answer 200.",
  },
  downstreamUrls: {
    env: 'DOWNSTREAM_URLS',
    type: 'url-list',
    default: [],
    description: 'Comma-separated URLs called on every echo request, with the trace context propagated.',
  },
  downstreamTimeoutMs: {
    env: 'DOWNSTREAM_TIMEOUT_MS',
    type: 'integer',
    min: 1,
    max: 600_000,
    default: 2000,
    description: 'Each downstream call must finish within this; a timeout is reported, not fatal.',
  },
  propagation: {
    env: 'PROPAGATION',
    type: 'enum',
    values: ['on', 'off'],
    default: 'on',
    description: '`off` drops the trace context on downstream calls (to see a broken trace on purpose).',
  },
  delay: {
    env: 'DELAY',
    type: 'string',
    default: '0',
    format: { accepts: DELAY_FORMS, check: (text: string) => parseDelay(text) !== undefined },
    description:
      'Latency added to every echo answer: fixed ms, uniform `min-max`, or percentiles (interpolated between the points given). Not on health routes.',
  },
  errorRate: {
    env: 'ERROR_RATE',
    type: 'number',
    min: 0,
    max: 1,
    default: 0,
    description: 'Share of echo requests answered with `ERROR_CODE` instead (0.1: one in ten). Not on health routes.',
  },
  errorCode: {
    env: 'ERROR_CODE',
    type: 'integer',
    min: 400,
    max: 599,
    default: 500,
    description: 'The status `ERROR_RATE` injects.',
  },
  maxDelayMs: {
    env: 'MAX_DELAY_MS',
    type: 'integer',
    min: 0,
    max: 600_000,
    default: 5000,
    description:
      'Longest delay `DELAY` or a request may ask for, and at most half of `SHUTDOWN_TIMEOUT_MS`; a request asking more gets a 400.',
  },
  maxResponseSize: {
    env: 'MAX_RESPONSE_SIZE',
    type: 'integer',
    min: 0,
    max: 104_857_600,
    default: 1_048_576,
    description: 'Largest answer, in bytes, a request may ask for with `x-set-response-size` or `?size=`.',
  },
  redactHeaders: {
    env: 'REDACT_HEADERS',
    type: 'string',
    default: '',
    allowEmpty: true,
    format: { accepts: 'comma-separated header names', check: isHeaderNameList },
    description:
      'More headers to echo as `[redacted]`, added to the built-in credential list (`authorization`, `cookie`, ...).',
  },
  echoEnv: {
    env: 'ECHO_ENV',
    type: 'boolean',
    default: false,
    description:
      'Add an `env` section to the JSON echo. Variables whose names look secret (TOKEN, SECRET, PASSWORD, KEY, ...) or whose values do (a URL with a password, a bearer token, a JWT, a private key) are never shown.',
  },
} as const;

/** Settings plus who the service is (OTEL_SERVICE_NAME, SERVICE_VERSION: see @meshtrace/tracing). */
export type BackendConfig = SettingsOf<typeof backendSchema> & {
  readonly serviceName: string;
  readonly serviceVersion: string;
};

/** http-echo's flags, and the variable each one sets. Flags win over the environment. */
export const FLAGS: Readonly<Record<string, string>> = {
  text: 'ECHO_TEXT',
  listen: 'LISTEN',
  'status-code': 'ECHO_STATUS_CODE',
};

const FLAG_LIST = Object.keys(FLAGS)
  .map((flag) => `-${flag}`)
  .join(', ');

export interface Flags {
  /** The variables the flags set (`LISTEN` still in http-echo's `[host]:port` form). */
  readonly env: Record<string, string>;
  /** Variable → the flag that set it, so an invalid value is reported as the flag typed. */
  readonly sources: Record<string, { setting: string; value?: string; expected?: string }>;
  /** One line per unknown flag or flag without a value. */
  readonly problems: readonly string[];
}

/**
 * Reads `-text=hi`, `-text hi`, `--text=hi` (and -listen, -status-code) into variables, so
 * flags and environment are validated by the same schema. Never throws: every problem is
 * collected, to be reported with the invalid settings.
 */
export function readFlags(argv: readonly string[]): Flags {
  const flags: Flags = { env: {}, sources: {}, problems: [] };
  const problems = flags.problems as string[];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const variable = match ? FLAGS[match[1] ?? ''] : undefined;
    if (!match || !variable) {
      problems.push(`invalid flag ${arg}: expected one of ${FLAG_LIST}`);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) {
      problems.push(`invalid flag ${arg}: missing value`);
      continue;
    }
    flags.env[variable] = value;
    flags.sources[variable] = { setting: `-${match[1]}` };
  }
  return flags;
}

/** `-listen` takes http-echo's `[host]:port` form: `:5678` or `127.0.0.1:5678`. */
function applyListen(flags: Flags): void {
  const listen = flags.env.LISTEN;
  if (listen === undefined) return;
  delete flags.env.LISTEN;
  const source = { setting: '-listen', value: listen, expected: '[host]:port with a port from 0 to 65535, e.g. :5678' };
  const match = /^(.*):(\d*)$/.exec(listen);
  if (!match) {
    (flags.problems as string[]).push(`invalid -listen=${JSON.stringify(listen)}: expected ${source.expected}`);
    return;
  }
  const host = match[1]?.replace(/^\[(.*)\]$/, '$1') ?? '';
  if (host) flags.env.HOST = host;
  flags.env.PORT = match[2] ?? '';
  flags.sources.HOST = source;
  flags.sources.PORT = source;
}

/** The name and version this build reports when no variable overrides them (and what `-version` prints). */
export const BACKEND_PACKAGE = Object.freeze({
  name: 'backend',
  version: packageVersion(new URL('../package.json', import.meta.url)),
});

/**
 * The longest delay `DELAY` or a request may ask for: MAX_DELAY_MS, and at most half the shutdown
 * budget. Shutdown cuts a running delay short anyway; the cap means one that somehow was not
 * still ends with time left to drain and flush.
 */
export function delayCapOf(config: Pick<BackendConfig, 'maxDelayMs' | 'shutdownTimeoutMs'>): number {
  return Math.min(config.maxDelayMs, Math.floor(config.shutdownTimeoutMs / 2));
}

/**
 * Rules between settings, checked once each is valid on its own: each bound is another variable.
 * - DELAY can pick at most the delay cap.
 * - The socket timeout exceeds the longest a request can be quiet: its delay, then its downstream
 *   calls. Otherwise the server itself would cut off the requests it was asked to delay.
 */
function boundIssues(config: SettingsOf<typeof backendSchema>): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const cap = delayCapOf(config);
  if (maxDelayOf(delayOf(config)) > cap)
    issues.push({
      setting: 'DELAY',
      value: config.delay,
      expected: `${DELAY_FORMS} of at most ${cap} (MAX_DELAY_MS=${config.maxDelayMs}, and half of SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs})`,
    });
  const longest = cap + config.downstreamTimeoutMs;
  if (config.socketTimeoutMs <= longest)
    issues.push({
      setting: 'SOCKET_TIMEOUT_MS',
      value: String(config.socketTimeoutMs),
      expected: `an integer above ${longest}, the longest a request may take (its delay, at most ${cap}, plus DOWNSTREAM_TIMEOUT_MS=${config.downstreamTimeoutMs})`,
    });
  return issues;
}

/**
 * The backend's settings from its environment and http-echo-style flags (flags win).
 * @throws {InvalidSettingsError} listing every invalid setting and flag at once.
 */
export function loadBackendConfig(env: Environment, argv: readonly string[] = []): BackendConfig {
  const flags = readFlags(argv);
  applyListen(flags);
  const sources: SettingSources = flags.sources;
  const { settings: config, issues: invalid } = readSettings(backendSchema, { ...env, ...flags.env }, sources);
  // The rules between settings are checked only once each is valid on its own.
  const issues = invalid.length > 0 ? invalid : boundIssues(config);
  if (issues.length > 0 || flags.problems.length > 0) throw new InvalidSettingsError(issues, flags.problems);
  const identity = serviceIdentity(env, BACKEND_PACKAGE);
  return Object.freeze({ ...config, serviceName: identity.name, serviceVersion: identity.version });
}

/** DELAY as a distribution; the schema has already checked that it parses. */
export function delayOf(config: Pick<BackendConfig, 'delay'>): DelayDistribution {
  return parseDelay(config.delay) ?? { kind: 'fixed', ms: 0 };
}
