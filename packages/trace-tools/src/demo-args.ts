import { parseArgs } from 'node:util';
import { choiceFlag, durationFlag, integerFlag, listFlag, urlFlag } from './cli-values.ts';
import type { MeshOptions } from './demo-chain.ts';
import { UsageError } from './errors.ts';
import { MESH_PROVIDERS, PROPAGATORS_FOR } from './mesh-providers.ts';

export type LoopMode = 'generate' | 'headerless' | 'off';
/** OTEL_TRACES_EXPORTER for every service in the chain. */
export type DemoExporter = 'zipkin' | 'otlp';

export interface DemoOptions {
  /** LOOP_INTERVAL_MS for the frontend. */
  readonly intervalMs: number;
  readonly mode: LoopMode;
  /** Backends in the chain: backend → backend-2 → … */
  readonly backends: number;
  /** PROPAGATION=off on the first backend, to see a broken trace. */
  readonly propagationOff: boolean;
  /** How the services export to the embedded endpoint: Zipkin v2 JSON or OTLP/HTTP. */
  readonly exporter: DemoExporter;
  /** Also re-POST every batch to this Zipkin v2 endpoint (Jaeger's :9411 or Zipkin). */
  readonly forwardUrl?: string;
  /** Port of the embedded Zipkin endpoint (0: any free port). */
  readonly port: number;
  /** The frontend's port, so its /ui/ page has an address you can keep open (unset: any free port). */
  readonly frontendPort?: number;
  /** A trace with its root is drawn after this long without a new span. */
  readonly quietMs: number;
  /** Stop by itself after this long, as if Ctrl-C was pressed. */
  readonly durationMs?: number;
  /** Simulated Envoy sidecars around every hop (`--mesh`, `--sidecar-sampling`, `--propagators`). */
  readonly mesh?: MeshOptions;
}

/** What OTEL_PROPAGATORS accepts (packages/tracing settings.ts), checked here so a typo is a flag error. */
const PROPAGATOR_NAMES = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'];

function meshFlags(provider: string | undefined, sampling: string | undefined, propagators: string | undefined) {
  if (provider === undefined) {
    if (sampling !== undefined || propagators !== undefined)
      throw new UsageError('invalid --sidecar-sampling/--propagators: they need --mesh');
    return undefined;
  }
  const list = listFlag(propagators, []);
  if (list.some((name) => !PROPAGATOR_NAMES.includes(name)))
    throw new UsageError(
      `invalid --propagators=${JSON.stringify(propagators)}: expected a comma-separated list of ${PROPAGATOR_NAMES.join(', ')}`,
    );
  return {
    provider: choiceFlag('mesh', provider, MESH_PROVIDERS, 'zipkin'),
    samplingPercent: integerFlag('sidecar-sampling', sampling, 100, 0, 100),
    ...(list.length === 0 ? {} : { propagators: list.join(',') }),
  };
}

export type DemoCommand = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: DemoOptions };

/** The help text, naming the command as the user ran it (`./pnpmw demo` or `pnpm demo`). */
export const demoUsage = (command: string): string => `Usage: ${command} [options]

Starts the frontend loop and a chain of backends on 127.0.0.1, with an embedded
endpoint for Zipkin v2 and OTLP/HTTP, and draws every completed trace in this terminal.
Ctrl-C stops every process and prints how many traces were joined or broken.

Options:
  --interval <ms>       milliseconds between loop ticks (default 1000)
  --mode <mode>         generate | headerless | off (default generate)
                          headerless: the loop sends no trace headers, like the tutorial's curl
  --backends <n>        backends in the chain, 1 to 9 (default 2: backend → backend-2)
  --propagation-off     PROPAGATION=off on the first backend: its downstream call starts a new trace
  --exporter <name>     zipkin | otlp: how the services export (default zipkin: Zipkin v2 JSON;
                          otlp: OTLP/HTTP protobuf, as OTEL_TRACES_EXPORTER=otlp)
  --forward <url>       also POST every batch to this Zipkin v2 endpoint, with --exporter zipkin,
                          e.g. http://localhost:9411/api/v2/spans (failures are reported, never fatal)
  --port <port>         port of the embedded endpoint (default 0: any free port)
  --frontend-port <port>  the frontend's port, e.g. 8080 for http://127.0.0.1:8080/ui/
                          (default: any free port)
  --quiet <ms>          a trace is complete when its root has arrived and no span came
                          for this long (default 600)
  --duration <time>     stop after this long, e.g. 20s (default: run until Ctrl-C)
  --mesh <provider>     zipkin | zipkin-w3c | opentelemetry: a simulated Envoy sidecar before and
                          after each hop, doing what Istio's provider of that name does
  --sidecar-sampling <percent>
                        the sidecars' randomSamplingPercentage, 0 to 100 (default 100)
  --propagators <list>  OTEL_PROPAGATORS for the apps behind the sidecars (default: the value the
                          tracing README gives for the provider: ${PROPAGATORS_FOR.zipkin} for
                          zipkin, ${PROPAGATORS_FOR.opentelemetry} for opentelemetry)
  -h, --help            show this help

Colour is used on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 forces it.`;

/** Parses the demo's flags. @throws {UsageError} naming the bad flag. */
export function parseDemoArgs(argv: readonly string[]): DemoCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        interval: { type: 'string' },
        mode: { type: 'string' },
        backends: { type: 'string' },
        'propagation-off': { type: 'boolean' },
        exporter: { type: 'string' },
        forward: { type: 'string' },
        port: { type: 'string' },
        'frontend-port': { type: 'string' },
        quiet: { type: 'string' },
        duration: { type: 'string' },
        mesh: { type: 'string' },
        'sidecar-sampling': { type: 'string' },
        propagators: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  const str = (name: string) => values[name] as string | undefined;
  const forward = str('forward');
  const duration = str('duration');
  const mesh = meshFlags(str('mesh'), str('sidecar-sampling'), str('propagators'));
  const frontendPort = str('frontend-port');
  const exporter = choiceFlag('exporter', str('exporter'), ['zipkin', 'otlp'] as const, 'zipkin');
  // The forwarder re-POSTs what arrived, and it speaks only Zipkin v2.
  if (forward !== undefined && exporter !== 'zipkin')
    throw new UsageError('invalid --forward: it re-posts Zipkin v2 batches, so it needs --exporter zipkin');
  return {
    kind: 'run',
    options: {
      intervalMs: integerFlag('interval', str('interval'), 1000, 10, 86_400_000),
      mode: choiceFlag('mode', str('mode'), ['generate', 'headerless', 'off'] as const, 'generate'),
      backends: integerFlag('backends', str('backends'), 2, 1, 9),
      propagationOff: values['propagation-off'] === true,
      exporter,
      ...(forward === undefined ? {} : { forwardUrl: urlFlag('forward', forward) }),
      port: integerFlag('port', str('port'), 0, 0, 65_535),
      ...(frontendPort === undefined ? {} : { frontendPort: integerFlag('frontend-port', frontendPort, 0, 1, 65_535) }),
      quietMs: integerFlag('quiet', str('quiet'), 600, 50, 60_000),
      ...(duration === undefined ? {} : { durationMs: durationFlag('duration', duration, 0) }),
      ...(mesh === undefined ? {} : { mesh }),
    },
  };
}
