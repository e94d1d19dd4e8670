import { parseArgs } from 'node:util';
import { choiceFlag, durationFlag, integerFlag, listFlag, urlFlag } from './cli-values.ts';
import { UsageError } from './errors.ts';
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

/** Parses verify's flags. @throws {UsageError} naming the bad flag. */
export function parseVerifyArgs(argv: readonly string[]): VerifyCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        jaeger: { type: 'string' },
        service: { type: 'string' },
        expect: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        mesh: { type: 'boolean' },
        provider: { type: 'string' },
        watch: { type: 'boolean' },
        interval: { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const str = (name: string) => values[name] as string | undefined;
  const expect = listFlag(str('expect'), DEFAULT_EXPECT);
  const service = str('service') ?? expect[0];
  if (service === undefined || service.trim() === '')
    throw new UsageError('invalid --expect: name at least one service, or pass --service');
  const provider = str('provider');
  return {
    kind: 'run',
    options: {
      jaeger: urlFlag('jaeger', str('jaeger') ?? 'http://localhost:16686'),
      service,
      expect,
      sinceMs: durationFlag('since', str('since'), 5 * 60_000),
      limit: integerFlag('limit', str('limit'), 20, 1, 1000),
      mesh: values.mesh === true || provider !== undefined,
      ...(provider === undefined ? {} : { provider: choiceFlag('provider', provider, MESH_PROVIDERS, 'zipkin') }),
      watch: values.watch === true,
      intervalMs: durationFlag('interval', str('interval'), 10_000),
      json: values.json === true,
      timeoutMs: integerFlag('timeout', str('timeout'), 5000, 1, 600_000),
    },
  };
}
