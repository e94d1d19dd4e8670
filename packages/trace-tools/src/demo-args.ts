import { tracingSchema } from '@meshtrace/tracing/settings';
import { checked, durationFlag, durationMs, readFlags } from './cli-values.ts';
import type { MeshOptions } from './demo-chain.ts';
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

/** The demo's flags, in the schema language every setting here is written in (see cli-values.ts). */
const demoFlags = {
  interval: {
    env: '--interval',
    type: 'integer',
    min: 10,
    max: 86_400_000,
    default: 1000,
    description: 'LOOP_INTERVAL_MS',
  },
  mode: {
    env: '--mode',
    type: 'enum',
    values: ['generate', 'headerless', 'off'],
    default: 'generate',
    description: 'LOOP_MODE',
  },
  backends: { env: '--backends', type: 'integer', min: 1, max: 9, default: 2, description: 'backends in the chain' },
  propagationOff: { env: '--propagation-off', type: 'boolean', default: false, description: 'PROPAGATION=off' },
  exporter: {
    env: '--exporter',
    type: 'enum',
    values: ['zipkin', 'otlp'],
    default: 'zipkin',
    description: 'OTEL_TRACES_EXPORTER',
  },
  forward: { env: '--forward', type: 'url', default: '', description: 'a Zipkin v2 endpoint' },
  port: { env: '--port', type: 'integer', min: 0, max: 65_535, default: 0, description: 'the embedded endpoint' },
  frontendPort: {
    env: '--frontend-port',
    type: 'integer',
    min: 1,
    max: 65_535,
    default: 0,
    description: "the frontend's",
  },
  quiet: { env: '--quiet', type: 'integer', min: 50, max: 60_000, default: 600, description: 'ms without a new span' },
  duration: durationFlag('--duration', '', 'stop after this long'),
  mesh: { env: '--mesh', type: 'enum', values: MESH_PROVIDERS, default: 'zipkin', description: 'simulated sidecars' },
  sidecarSampling: {
    env: '--sidecar-sampling',
    type: 'integer',
    min: 0,
    max: 100,
    default: 100,
    description: 'percent',
  },
  propagators: {
    env: '--propagators',
    type: 'enum-list',
    values: tracingSchema.propagators.values,
    default: [],
    description: 'OTEL_PROPAGATORS',
  },
} as const;

/** Parses the demo's flags. @throws {InvalidSettingsError} naming every bad flag at once. */
export function parseDemoArgs(argv: readonly string[]): DemoCommand {
  const read = readFlags(argv, demoFlags);
  if (read.help) return { kind: 'help' };
  const { flags, given } = read;
  const meshOnly = given.has('--sidecar-sampling') || given.has('--propagators');
  if (!given.has('--mesh') && meshOnly)
    read.problems.push('invalid --sidecar-sampling/--propagators: they need --mesh');
  // The forwarder re-POSTs what arrived, and it speaks only Zipkin v2.
  if (given.has('--forward') && flags.exporter !== 'zipkin')
    read.problems.push('invalid --forward: it re-posts Zipkin v2 batches, so it needs --exporter zipkin');
  checked(read);
  const mesh: MeshOptions = {
    provider: flags.mesh,
    samplingPercent: flags.sidecarSampling,
    ...(flags.propagators.length === 0 ? {} : { propagators: flags.propagators.join(',') }),
  };
  return {
    kind: 'run',
    options: {
      intervalMs: flags.interval,
      mode: flags.mode,
      backends: flags.backends,
      propagationOff: flags.propagationOff,
      exporter: flags.exporter,
      ...(given.has('--forward') ? { forwardUrl: flags.forward } : {}),
      port: flags.port,
      ...(given.has('--frontend-port') ? { frontendPort: flags.frontendPort } : {}),
      quietMs: flags.quiet,
      ...(given.has('--duration') ? { durationMs: durationMs(flags.duration) ?? 0 } : {}),
      ...(given.has('--mesh') ? { mesh } : {}),
    },
  };
}
