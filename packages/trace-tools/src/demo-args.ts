import { parseArgs } from 'node:util';
import { choiceFlag, durationFlag, integerFlag, urlFlag } from './cli-values.ts';
import { UsageError } from './errors.ts';

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
    },
  };
}
