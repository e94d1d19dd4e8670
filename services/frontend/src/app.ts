import {
  appHeaders,
  fastifyOptions,
  health,
  isOperatorRoute,
  type Logger,
  metrics,
  registerSpanExportMetrics,
} from '@meshtrace/service-kit';
import { pickForwardedHeaders, tracedRequest, tracing } from '@meshtrace/tracing';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import type { FrontendConfig } from './config.ts';
import { LoopControl } from './loop-control.ts';
import { registerLoopMetrics } from './loop-metrics.ts';
import { LoopStats } from './loop-stats.ts';
import { ui } from './ui-routes.ts';

export interface FrontendDeps {
  readonly config: FrontendConfig;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  /** Record spans (false when OTEL_SDK_DISABLED=true). */
  readonly traced: boolean;
  /** The loop's status, served on `GET /loop` (its controls are on the admin listener); without one, it reports no loop. */
  readonly loop?: LoopControl;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Builds the frontend's server: `GET /` continues the caller's trace (an
 * ingress gateway, or your curl), calls the target and answers with its
 * answer and the trace id. `/ui/` is the propagation explorer. The loop is
 * started by the entry point.
 */
export async function buildFrontendApp(deps: FrontendDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // INCOMING_TRACE_CONTEXT=link: the callers are not trusted to ask for sampling downstream either.
  const trustedCaller = config.incomingTraceContext === 'continue';
  const loop =
    deps.loop ??
    new LoopControl({ mode: config.loopMode, concurrency: config.loopConcurrency, stats: new LoopStats() });
  const app = Fastify(fastifyOptions(deps.logger, config));
  if (deps.traced)
    await app.register(tracing, { ignore: isOperatorRoute, incomingContext: config.incomingTraceContext });
  await app.register(appHeaders, { name: config.serviceName, version: config.serviceVersion });
  await app.register(health);
  await app.register(metrics, { service: { name: config.serviceName, version: config.serviceVersion } });
  registerSpanExportMetrics(app.metrics);
  registerLoopMetrics(app.metrics, loop.stats);
  await app.register(ui, { config, dispatcher: deps.dispatcher, loop });

  app.get('/', async function callTarget(request, reply) {
    const result = await tracedRequest(config.targetUrl, {
      headers: { ...pickForwardedHeaders(request.headers, { trustedCaller }), accept: 'application/json' },
      timeoutMs: config.requestTimeoutMs,
      dispatcher: deps.dispatcher,
    });
    const traceId = request.trace?.span.spanContext().traceId ?? null;
    if (!result.ok) {
      request.log.warn(
        { target: config.targetUrl, error: result.failure, reason: result.message },
        'target call failed',
      );
      return reply.code(502).send({
        trace_id: traceId,
        target: {
          url: config.targetUrl,
          ok: false,
          duration_ms: result.durationMs,
          error: { code: result.failure, message: result.message },
        },
      });
    }
    return reply.code(result.status >= 500 ? 502 : 200).send({
      trace_id: traceId,
      target: {
        url: config.targetUrl,
        ok: result.status < 400,
        status: result.status,
        duration_ms: result.durationMs,
        body: parseJson(result.body),
      },
    });
  });
  // Read-only, like /metrics: what the loop is doing. Changing it is `POST /loop` on the admin listener.
  app.get('/loop', { config: { control: true } }, async function loopStatus() {
    return loop.status();
  });
  return app;
}
