import { hostname } from 'node:os';
import {
  appHeaders,
  fastifyOptions,
  health,
  isOperatorRoute,
  type Logger,
  metrics,
  registerSpanExportMetrics,
  statusLabels,
  traceReport,
} from '@meshtrace/service-kit';
import { pickForwardedHeaders, tracing } from '@meshtrace/tracing';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Histogram } from 'prom-client';
import type { Dispatcher } from 'undici';
import { type BackendConfig, delayCapOf, delayOf } from './config.ts';
import { cutShortDelay } from './cut-short-delay.ts';
import { callDownstreams } from './downstream.ts';
import { echoBody } from './echo-body.ts';
import { echoableEnv } from './echo-env.ts';
import { decideFault, FAULT_ATTRIBUTES, type FaultDefaults, padBody } from './fault-request.ts';
import { redactedHeaderNames } from './redact.ts';

export interface BackendDeps {
  readonly config: BackendConfig;
  readonly logger: Logger;
  /** The undici pool for downstream calls; the entry point closes it on shutdown. Unset without DOWNSTREAM_URLS. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Record spans (false when OTEL_SDK_DISABLED=true). */
  readonly traced: boolean;
  /** The process environment, for ECHO_ENV=true (filtered before it is echoed). */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

function wantsJson(request: FastifyRequest): boolean {
  const { format } = request.query as { format?: string };
  if (format !== undefined) return format === 'json';
  return request.headers.accept?.includes('application/json') ?? false;
}

/** Builds the backend: an http-echo drop-in that continues the trace and calls its downstreams. */
export async function buildBackendApp(deps: BackendDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // INCOMING_TRACE_CONTEXT=link: the callers are not trusted to ask for sampling downstream either.
  const trustedCaller = config.incomingTraceContext === 'continue';
  const app = Fastify(fastifyOptions(deps.logger, config));
  const host = hostname();
  const redacted = redactedHeaderNames(config.redactHeaders);
  const echoedEnv = config.echoEnv ? echoableEnv(deps.environment ?? {}) : undefined;
  const faults: FaultDefaults = {
    delay: delayOf(config),
    errorRate: config.errorRate,
    errorCode: config.errorCode,
    maxDelayMs: delayCapOf(config),
    maxResponseSize: config.maxResponseSize,
  };

  if (deps.traced)
    await app.register(tracing, { ignore: isOperatorRoute, incomingContext: config.incomingTraceContext });
  await app.register(health);
  const statuses = [config.statusCode, config.errorCode];
  await app.register(metrics, { service: { name: config.serviceName, version: config.serviceVersion }, statuses });
  const statusLabel = statusLabels(statuses);
  registerSpanExportMetrics(app.metrics);
  const downstreamDuration = new Histogram({
    name: 'downstream_request_duration_seconds',
    help: 'Calls to DOWNSTREAM_URLS, by URL and outcome (a status, or timeout/connection).',
    labelNames: ['url', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [app.metrics],
  });

  await app.register(appHeaders, { name: config.serviceName, version: config.serviceVersion });

  // Shutdown's drain begins with Fastify's preClose: every delay still running is cut short then.
  const closing = new AbortController();
  app.addHook('preClose', function cutDelaysShort(done) {
    closing.abort();
    done();
  });

  // Echo any body as text, whatever its type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  // http-echo's health route.
  app.get('/health', { config: { probe: true } }, async function httpEchoHealth() {
    return { status: 'ok' };
  });

  async function echo(request: FastifyRequest, reply: FastifyReply) {
    const decision = decideFault(faults, request.headers, request.query as Record<string, string>, Math.random);
    if (!decision.ok) return reply.code(400).send({ error: 'invalid fault request', reason: decision.reason });
    const { fault } = decision;
    const span = request.trace?.span;
    if (fault.delayMs > 0) {
      span?.setAttribute(FAULT_ATTRIBUTES.delay, fault.delayMs);
      request.log.debug({ delay_ms: fault.delayMs }, 'delaying the answer');
      const end = await cutShortDelay(fault.delayMs, closing.signal, reply.raw);
      // Nobody is left to answer; the tracing plugin ends the span as aborted.
      if (end === 'client') return reply;
      if (end === 'shutdown')
        return reply
          .code(503)
          .header('connection', 'close')
          .send({ error: 'shutting down', reason: `the ${fault.delayMs} ms delay was cut short` });
    }
    if (fault.status !== undefined) span?.setAttribute(FAULT_ATTRIBUTES.status, fault.status);
    if (fault.size !== undefined) span?.setAttribute(FAULT_ATTRIBUTES.size, fault.size);
    const downstream =
      config.downstreamUrls.length === 0
        ? []
        : await callDownstreams(config.downstreamUrls, {
            headers: pickForwardedHeaders(request.headers, { trustedCaller }),
            timeoutMs: config.downstreamTimeoutMs,
            dispatcher: deps.dispatcher,
            propagate: config.propagation === 'on',
            elapsedMs: () => reply.elapsedTime,
          });
    for (const call of downstream) {
      const outcome = call.status === undefined ? (call.error?.code ?? 'other') : statusLabel(call.status);
      downstreamDuration.observe({ url: call.url, outcome }, call.duration_ms / 1000);
      if (!call.ok)
        request.log.warn({ downstream: call.url, error: call.error, status: call.status }, 'downstream call failed');
    }
    reply.code(fault.status ?? config.statusCode);
    if (!wantsJson(request))
      return reply.type('text/plain; charset=utf-8').send(padBody(`${config.text}\n`, fault.size));
    const body = echoBody({
      method: request.method,
      url: request.url,
      query: request.query,
      headers: request.headers,
      body: request.body,
      hostname: host,
      service: { name: config.serviceName, version: config.serviceVersion },
      trace: traceReport(request.trace, request.headers),
      downstream,
      elapsedMs: reply.elapsedTime,
      redacted,
      env: echoedEnv,
    });
    if (fault.size === undefined) return reply.send(body);
    return reply.type('application/json; charset=utf-8').send(padBody(JSON.stringify(body), fault.size));
  }

  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/*', handler: echo });
  return app;
}
