import type { Logger } from '@meshtrace/service-kit';
import { type TracedResponse, tracedRequest, X_B3_FLAGS, X_B3_SAMPLED } from '@meshtrace/tracing';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import type { FrontendConfig } from './config.ts';
import { parseKeyValues } from './key-values.ts';
import type { LoopStats } from './loop-stats.ts';
import { pickTarget, type Target } from './targets.ts';

export interface TickDeps {
  readonly config: Pick<
    FrontendConfig,
    'loopMode' | 'requestTimeoutMs' | 'loopMethod' | 'loopBody' | 'loopBaggage' | 'loopHeaders' | 'loopForceSampling'
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

/** The headers every tick sends besides the trace context. */
function fixedHeaders(config: TickDeps['config']): Record<string, string> {
  const headers: Record<string, string> = Object.fromEntries(parseKeyValues(config.loopHeaders) ?? []);
  if (config.loopBody !== '') headers['content-type'] = 'text/plain; charset=utf-8';
  // Envoy samples a request carrying x-b3-flags: 1 whatever the mesh's sampling rate.
  if (config.loopForceSampling === 'debug') headers[X_B3_FLAGS] = '1';
  // A sampling-only B3 header: valid without ids, and the only trace header headerless ticks send.
  if (config.loopForceSampling === 'sampled' && config.loopMode === 'headerless') headers[X_B3_SAMPLED] = '1';
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
  return function generateTick() {
    return tracer.startActiveSpan('loop tick', { root: true, kind: SpanKind.INTERNAL }, withBaggage, async (span) => {
      try {
        if (!(await call(true))) span.setStatus({ code: SpanStatusCode.ERROR });
      } finally {
        span.end();
      }
    });
  };
}
