import { fromZipkin, startZipkinReceiver, type TraceSpan } from '@meshtrace/harness';
import type { Palette } from './ansi.ts';
import type { DemoOptions } from './demo-args.ts';
import { type Chain, type StopResult, startChain } from './demo-chain.ts';
import { wrapWords } from './fit-width.ts';
import { PROPAGATORS_FOR } from './mesh-providers.ts';
import { type DemoTotals, renderTotals, renderTrace } from './render-trace.ts';
import { createSpanForwarder, type SpanForwarder } from './span-forwarder.ts';
import { analyzeTrace } from './trace-analysis.ts';
import { type CompletedTrace, createTraceCollector } from './trace-collector.ts';

/** Where the demo writes, and in which colours. */
export interface DemoOutput {
  readonly write: (text: string) => void;
  readonly palette: Palette;
  /** The terminal's width (80 when unknown): no line is drawn wider. */
  readonly columns?: number;
}

export interface DemoResult {
  readonly totals: DemoTotals;
  readonly stopped: readonly StopResult[];
  /** Every child exited 0 after SIGTERM. */
  readonly clean: boolean;
}

export interface Demo {
  /** Resolves if a child dies on its own: the demo cannot go on and should be stopped. */
  readonly failed: Promise<string>;
  /** Stops the children (SIGTERM, wait), draws the traces still pending, and closes the endpoint. */
  stop(): Promise<DemoResult>;
}

/** Trace ids remembered for the truncated-id check. */
const SEEN_TRACE_IDS = 10_000;

const NOTES: Readonly<Record<string, string>> = {
  'no-root': 'root span never arrived',
  flush: 'drawn at shutdown',
};

/**
 * The local trace view: the embedded Zipkin and OTLP endpoint, the chain of services
 * exporting to it, and a tree per completed trace on `out`.
 */
export async function startDemo(options: DemoOptions, out: DemoOutput): Promise<Demo> {
  const p = out.palette;
  const columns = out.columns ?? 80;
  const receiver = await startZipkinReceiver({ host: '127.0.0.1', port: options.port });
  const expect = [
    'frontend',
    ...Array.from({ length: options.backends }, (_, i) => (i ? `backend-${i + 1}` : 'backend')),
  ];
  let joined = 0;
  let broken = 0;
  // Every trace id seen, so a trace whose id a hop cut to 64 bits is matched with its other half.
  const seen = new Set<string>();
  const meshCheck = options.mesh ? { provider: options.mesh.provider } : {};

  const draw = (trace: CompletedTrace) => {
    const analysis = analyzeTrace(trace.spans, { expect, ...meshCheck, otherTraceIds: seen });
    if (analysis.verdict === 'joined') joined++;
    else broken++;
    const note = trace.late ? 'late spans of a trace already drawn' : NOTES[trace.reason];
    out.write(`${renderTrace(analysis, { palette: p, columns, ...(note ? { note } : {}) })}\n\n`);
  };
  const collector = createTraceCollector({ quietMs: options.quietMs, maxWaitMs: 10_000, onComplete: draw });

  let forwarder: SpanForwarder | undefined;
  if (options.forwardUrl) {
    const target = options.forwardUrl;
    forwarder = createSpanForwarder(target, (state) => {
      out.write(
        state.ok
          ? `${p.green('forwarding')} spans to ${target}\n`
          : `${wrapWords(`${p.yellow('forward failed')} to ${target}: ${state.reason} (the demo carries on; spans are still drawn here)`, columns, '', '  ')}\n`,
      );
    });
  }
  const collect = (spans: readonly TraceSpan[]) => {
    for (const span of spans) seen.add(span.traceId);
    // Bounded, oldest first out: a split trace's halves arrive within seconds of each other.
    for (const id of seen) {
      if (seen.size <= SEEN_TRACE_IDS) break;
      seen.delete(id);
    }
    collector.add(spans);
  };
  receiver.onSpans((batch) => {
    forwarder?.forward(batch);
    collect(batch.map(fromZipkin));
  });
  receiver.onOtlpSpans(collect);

  let reportFailure: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    reportFailure = resolve;
  });
  let chain: Chain;
  try {
    chain = await startChain({
      backends: options.backends,
      mode: options.mode,
      intervalMs: options.intervalMs,
      propagationOff: options.propagationOff,
      ...(options.frontendPort === undefined ? {} : { frontendPort: options.frontendPort }),
      zipkinUrl: receiver.url,
      ...(options.mesh ? { mesh: options.mesh } : {}),
      ...(options.exporter === 'otlp' ? { otlpUrl: receiver.otlpUrl } : {}),
      onUnexpectedExit: (name, code, lines) =>
        reportFailure(`${name} exited with code ${code}:\n${lines.map((l) => `  ${l}`).join('\n')}`),
    });
  } catch (error) {
    await receiver.close();
    throw error;
  }

  const chainText = chain.members
    .map(
      (m, i) => `${m.name} ${p.dim(m.url)}${i === 1 && options.propagationOff ? p.yellow(' [PROPAGATION=off]') : ''}`,
    )
    .join(' → ');
  const loop =
    options.mode === 'off'
      ? `loop off: call ${chain.members[0]?.url} yourself`
      : `loop every ${options.intervalMs} ms (${options.mode})`;
  const mesh = options.mesh;
  const meshLine = mesh
    ? [
        `${p.cyan('mesh')}: simulated Envoy sidecars (${mesh.provider}, sampling ${mesh.samplingPercent}%) before and after each hop · apps run with OTEL_PROPAGATORS=${mesh.propagators ?? PROPAGATORS_FOR[mesh.provider]}`,
      ]
    : [];
  const banner = [
    `${p.bold('meshtrace demo')}: ${chainText}`,
    ...meshLine,
    `${options.exporter === 'otlp' ? `OTLP endpoint ${receiver.otlpUrl}` : `Zipkin endpoint ${receiver.url}`} · ${loop} · a trace is drawn ${options.quietMs} ms after its root arrives · Ctrl-C to stop`,
    // The page that sends one request with the headers you pick and shows each hop's: easy to lose in the scroll.
    `Propagation explorer: ${p.bold(new URL('ui/', chain.members[0]?.url).href)}`,
  ];
  out.write(`${banner.map((line) => wrapWords(line, columns, '', '  ')).join('\n')}\n\n`);

  return {
    failed,
    async stop() {
      const stopped = await chain.stop();
      // Each child flushed its spans before exiting, and the endpoint answered before they exited.
      collector.flush();
      await forwarder?.close();
      await receiver.close();
      const totals = { traces: joined + broken, joined, broken };
      const clean = stopped.every((s) => s.code === 0);
      const exits = stopped.map((s) => `${s.name} ${s.code === null ? s.signal : `exit ${s.code}`}`).join(', ');
      const forwarded = forwarder ? ` · forwarded ${forwarder.sent} spans, ${forwarder.failed} failed` : '';
      out.write(`${p.bold('stopped')}: ${exits}${forwarded}\n${renderTotals(totals, p)}\n`);
      return { totals, stopped, clean };
    },
  };
}
