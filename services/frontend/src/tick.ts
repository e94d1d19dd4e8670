import type { Logger } from '@meshtrace/service-kit';
import type { TraceSpan } from '@meshtrace/trace-tools/analysis';
import { B3_SAMPLING, headers as names, type TracedResponse, tracedRequest } from '@meshtrace/tracing';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { judgeChain } from './chain-verdict.ts';
import type { FrontendConfig } from './config.ts';
import { parseKeyValues } from './key-values.ts';
import type { LoopStats } from './loop-stats.ts';
import type { RecentTick } from './recent-ticks.ts';
import { pickTarget, type Target } from './targets.ts';
import { walkChain } from './ui/chain.ts';

export interface TickDeps {
  readonly config: Pick<
    FrontendConfig,
    | 'serviceName'
    | 'loopMode'
    | 'requestTimeoutMs'
    | 'loopMethod'
    | 'loopBody'
    | 'loopBaggage'
    | 'loopHeaders'
    | 'loopForceSampling'
  >;
  readonly targets: readonly Target[];
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  readonly stats: LoopStats;
  /** Picks the target; injectable for a fixed seed. */
  readonly random?: () => number;
}

/**
 * One line per tick, its message shaped like the tutorial's Envoy access log. Each id
 * appears once as a field: the mixin adds `trace_id` and `span_id` (the tick's own span,
 * as on every line logged in a tick), and `client_span_id` names the CLIENT span under
 * it, the one the backend receives in `x-b3-spanid`. A headerless tick has neither.
 */
function logTick(logger: Logger, method: string, url: string, result: TracedResponse): void {
  const status = result.ok ? result.status : 0;
  const traceId = result.traceId || '-';
  const spanId = result.spanId || '-';
  const fields = {
    method,
    url,
    status,
    duration_ms: result.durationMs,
    ...(result.spanId ? { client_span_id: result.spanId } : {}),
    ...(result.ok ? {} : { error: result.failure, reason: result.message }),
  };
  const outcome = result.ok ? String(result.status) : result.failure;
  const line = `"${method} ${url}" ${outcome} ${result.durationMs}ms traceID=${traceId} spanID=${spanId}`;
  if (result.ok && result.status < 400) logger.info(fields, line);
  else logger.warn(fields, line);
}

function parseEcho(result: TracedResponse): unknown {
  if (!result.ok || !String(result.headers['content-type']).includes('json')) return undefined;
  try {
    return JSON.parse(result.body);
  } catch {
    return undefined;
  }
}

const us = (ms: number) => Math.round(ms * 1000);

/**
 * The tick as `GET /loop` lists it. Joined or broken: the spans the tick and every hop
 * report (each hop's echo says which), judged as `./pnpmw demo` judges them.
 */
function recentTick(result: TracedResponse, traced: boolean, at: string, service: string, url: string): RecentTick {
  const chain = walkChain(parseEcho(result), {
    name: service,
    user: !traced,
    traceIds: result.traceId ? [result.traceId] : [],
    spanIds: result.spanId ? [result.spanId] : [],
    propagated: traced,
  });
  // The tick's own spans, as the terminal view receives them: the loop tick and its call.
  const tick = trace.getActiveSpan();
  const caller: TraceSpan[] =
    traced && tick?.isRecording() && result.spanId
      ? [
          {
            traceId: result.traceId,
            spanId: tick.spanContext().spanId,
            service,
            name: 'loop tick',
            kind: 'INTERNAL',
            startUs: 0,
            durationUs: us(result.durationMs),
            status: 'unset',
          },
          {
            traceId: result.traceId,
            spanId: result.spanId,
            parentId: tick.spanContext().spanId,
            service,
            name: 'GET',
            kind: 'CLIENT',
            startUs: 0,
            durationUs: us(result.durationMs),
            status: 'unset',
            url,
          },
        ]
      : [];
  // A headerless tick expects the frontend's trace all the same: like the tutorial's curl, it is broken.
  const verdict = judgeChain(chain, { caller, expect: [service, ...chain.hops.map((hop) => hop.service)] });
  return {
    at,
    trace_id: result.traceId || (chain.hops[0]?.received.trace_id ?? ''),
    status: result.ok ? result.status : result.failure,
    duration_ms: result.durationMs,
    chain: chain.hops.length === 0 ? 'unknown' : verdict.verdict,
  };
}

/** The headers every tick sends besides the trace context. */
function fixedHeaders(config: TickDeps['config']): Record<string, string> {
  // The echo answers with its hop report, from which each tick is called joined or broken.
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...Object.fromEntries(parseKeyValues(config.loopHeaders) ?? []),
  };
  if (config.loopBody !== '') headers['content-type'] = 'text/plain; charset=utf-8';
  if (config.loopMode !== 'headerless' || config.loopForceSampling === 'off') return headers;
  // Sampling-only B3 headers, valid without ids: the only trace headers a headerless tick sends.
  // Envoy's zipkin tracer samples on x-b3-sampled: 1 whatever the mesh's rate, and never reads
  // x-b3-flags (SpanContextExtractor::extractSampled), which only tells the apps it is a debug trace.
  headers[names.X_B3_SAMPLED] = '1';
  if (config.loopForceSampling === 'debug') headers[names.X_B3_FLAGS] = '1';
  return headers;
}

/**
 * `generate`: a new root trace per tick. Its INTERNAL span is the frontend's own
 * (reported, unlike the tutorial's invented parent), and the CLIENT span under
 * it is the parent the backend sees in `x-b3-spanid`. LOOP_BAGGAGE rides in the
 * context, so the baggage propagator writes the `baggage` header.
 * `headerless`: no span and no trace headers, like the tutorial's curl.
 */
export function createTick(deps: TickDeps): () => Promise<void> {
  const { config, logger, dispatcher, stats, targets } = deps;
  const random = deps.random ?? Math.random;
  const tracer = trace.getTracer('@meshtrace/frontend');
  const method = config.loopMethod.toUpperCase() as 'GET';
  const headers = fixedHeaders(config);
  const body = config.loopBody === '' ? undefined : config.loopBody;
  const entries = parseKeyValues(config.loopBaggage) ?? [];
  const baggage = propagation.createBaggage(Object.fromEntries(entries.map(([key, value]) => [key, { value }])));

  const call = async (traced: boolean) => {
    const { url } = pickTarget(targets, random);
    const startedAt = new Date().toISOString();
    stats.recordSent();
    const result = await tracedRequest(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      traced,
      timeoutMs: config.requestTimeoutMs,
      dispatcher,
    });
    const ok = result.ok && result.status < 400;
    stats.record({
      ok,
      durationMs: result.durationMs,
      ...(ok ? {} : { error: result.ok ? String(result.status) : result.failure }),
      tick: recentTick(result, traced, startedAt, config.serviceName, url),
    });
    logTick(logger, method, url, result);
    return ok;
  };

  if (config.loopMode === 'headerless') {
    return async function headerlessTick() {
      await call(false);
    };
  }
  const withBaggage = entries.length === 0 ? context.active() : propagation.setBaggage(context.active(), baggage);
  // A forced decision on the tick's root, which the sampler follows whatever OTEL_TRACES_SAMPLER says
  // (createSampler in packages/tracing/src/propagation.ts). The propagator then sends it where each Envoy tracer reads it: x-b3-sampled: 1
  // (zipkin) and traceparent flags 01 (opentelemetry); debug adds x-b3-flags: 1 for the apps, and
  // every span is uploaded with Zipkin's "debug": true.
  const forced = { off: undefined, sampled: 'accept', debug: 'debug' } as const;
  const decision = forced[config.loopForceSampling];
  const rootContext = decision ? withBaggage.setValue(B3_SAMPLING, decision) : withBaggage;
  return function generateTick() {
    return tracer.startActiveSpan('loop tick', { root: true, kind: SpanKind.INTERNAL }, rootContext, async (span) => {
      try {
        if (!(await call(true))) span.setStatus({ code: SpanStatusCode.ERROR });
      } finally {
        span.end();
      }
    });
  };
}
