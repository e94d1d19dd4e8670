import type { Logger } from '@meshtrace/service-kit';
import { type TracedResponse, tracedRequest } from '@meshtrace/tracing';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import type { FrontendConfig } from './config.ts';

export interface TickDeps {
  readonly config: Pick<FrontendConfig, 'targetUrl' | 'loopMode' | 'requestTimeoutMs'>;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
}

/** One line per tick, shaped like the tutorial's Envoy access log. */
function logTick(logger: Logger, url: string, result: TracedResponse): void {
  const status = result.ok ? result.status : 0;
  const traceId = result.traceId || '-';
  const spanId = result.spanId || '-';
  const fields = {
    method: 'GET',
    url,
    status,
    duration_ms: result.durationMs,
    traceID: traceId,
    spanID: spanId,
    ...(result.ok ? {} : { error: result.failure, reason: result.message }),
  };
  const outcome = result.ok ? String(result.status) : result.failure;
  const line = `"GET ${url}" ${outcome} ${result.durationMs}ms traceID=${traceId} spanID=${spanId}`;
  if (result.ok && result.status < 400) logger.info(fields, line);
  else logger.warn(fields, line);
}

/**
 * `generate`: a new root trace per tick. Its INTERNAL span is the frontend's own
 * (reported, unlike the tutorial's invented parent), and the CLIENT span under
 * it is the parent the backend sees in `x-b3-spanid`.
 * `headerless`: no span and no trace headers, like the tutorial's curl.
 */
export function createTick(deps: TickDeps): () => Promise<void> {
  const { config, logger, dispatcher } = deps;
  const tracer = trace.getTracer('@meshtrace/frontend');
  const call = (traced: boolean) =>
    tracedRequest(config.targetUrl, { traced, timeoutMs: config.requestTimeoutMs, dispatcher });

  if (config.loopMode === 'headerless') {
    return async function headerlessTick() {
      logTick(logger, config.targetUrl, await call(false));
    };
  }
  return function generateTick() {
    return tracer.startActiveSpan('loop tick', { root: true, kind: SpanKind.INTERNAL }, async (span) => {
      try {
        const result = await call(true);
        if (!result.ok || result.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        logTick(logger, config.targetUrl, result);
      } finally {
        span.end();
      }
    });
  };
}
