import { checked, durationFlag, durationMs, listOf, readFlags } from './cli-values.ts';
import { MESH_PROVIDERS, type MeshProvider } from './mesh-providers.ts';

export interface VerifyOptions {
  /** Jaeger's origin plus base path. */
  readonly jaeger: string;
  /** The service whose traces are searched. */
  readonly service: string;
  /** Services every trace must contain, in call order. */
  readonly expect: readonly string[];
  /** Search traces that started this long ago until now. */
  readonly sinceMs: number;
  readonly limit: number;
  readonly mesh: boolean;
  /** The mesh's tracing provider (`--provider`, implies `--mesh`): findings name the exact setting. */
  readonly provider?: MeshProvider;
  readonly watch: boolean;
  /** Time between rounds with --watch. */
  readonly intervalMs: number;
  readonly json: boolean;
  readonly timeoutMs: number;
}

export type VerifyCommand = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: VerifyOptions };

export const DEFAULT_EXPECT = ['frontend', 'backend', 'backend-2'] as const;

/** The help text, naming the command as the user ran it (`./pnpmw verify` or `pnpm verify`). */
export const verifyUsage = (command: string): string => `Usage: ${command} [options]

Asks Jaeger's query API v3 for recent traces of a service and checks that each
one is joined: every expected service reported a span, every span's parent is
present, one root per request, and (--mesh) Envoy's sidecar spans sit between
the apps' spans.

Options:
  --jaeger <url>       Jaeger UI/API URL with its base path (default http://localhost:16686)
                         Istio's addon: kubectl -n istio-system port-forward svc/tracing 16686:80
                         then --jaeger http://localhost:16686/jaeger
  --expect <a,b,c>     services each trace must contain, caller first
                         (default ${DEFAULT_EXPECT.join(',')})
  --service <name>     the service whose traces are searched (default: the first of --expect)
  --since <time>       how far back to search, e.g. 30s, 5m, 1h (default 5m)
  --limit <n>          at most this many traces (default 20)
  --mesh               also require Envoy sidecar spans (<app>.<namespace>) between app spans
  --provider <name>    the mesh's tracing provider: zipkin, zipkin-w3c or opentelemetry (implies --mesh);
                         a finding then names the exact OTEL_PROPAGATORS to set. Find it with
                         kubectl -n istio-system get telemetry -o yaml (tracing providers), then the
                         extensionProviders entry of that name in the istio ConfigMap's mesh
  --watch              check again every --interval until Ctrl-C
  --interval <time>    time between --watch rounds (default 10s)
  --json               one JSON object per round instead of the table
  --timeout <ms>       per HTTP request to Jaeger (default 5000)
  -h, --help           show this help

Exit status: 0 every trace passed; 1 a trace failed, or no traces were found;
2 bad flags, or Jaeger could not be asked (unreachable, wrong base path).`;

/** verify's flags, in the schema language every setting here is written in (see cli-values.ts). */
const verifyFlags = {
  jaeger: { env: '--jaeger', type: 'url', default: 'http://localhost:16686', description: "Jaeger's URL" },
  service: { env: '--service', type: 'string', default: '', allowEmpty: true, description: 'the searched service' },
  expect: {
    env: '--expect',
    type: 'string',
    default: DEFAULT_EXPECT.join(','),
    allowEmpty: true,
    description: 'services',
  },
  since: durationFlag('--since', '5m', 'how far back to search'),
  limit: { env: '--limit', type: 'integer', min: 1, max: 1000, default: 20, description: 'at most this many traces' },
  mesh: { env: '--mesh', type: 'boolean', default: false, description: 'require sidecar spans' },
  provider: { env: '--provider', type: 'enum', values: MESH_PROVIDERS, default: 'zipkin', description: 'the provider' },
  watch: { env: '--watch', type: 'boolean', default: false, description: 'check again until Ctrl-C' },
  interval: durationFlag('--interval', '10s', 'time between --watch rounds'),
  json: { env: '--json', type: 'boolean', default: false, description: 'one JSON object per round' },
  timeout: { env: '--timeout', type: 'integer', min: 1, max: 600_000, default: 5000, description: 'per request' },
} as const;

/** Parses verify's flags. @throws {InvalidSettingsError} naming every bad flag at once. */
export function parseVerifyArgs(argv: readonly string[]): VerifyCommand {
  const read = readFlags(argv, verifyFlags);
  if (read.help) return { kind: 'help' };
  const { flags, given } = read;
  const expect = listOf(flags.expect);
  const service = given.has('--service') ? flags.service : expect[0];
  if (service === undefined || service.trim() === '')
    read.problems.push('invalid --expect: name at least one service, or pass --service');
  checked(read);
  return {
    kind: 'run',
    options: {
      jaeger: flags.jaeger,
      service: service ?? '',
      expect,
      sinceMs: durationMs(flags.since) ?? 0,
      limit: flags.limit,
      mesh: flags.mesh || given.has('--provider'),
      ...(given.has('--provider') ? { provider: flags.provider } : {}),
      watch: flags.watch,
      intervalMs: durationMs(flags.interval) ?? 0,
      json: flags.json,
      timeoutMs: flags.timeout,
    },
  };
}
