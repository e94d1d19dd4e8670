import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { httpMethodAttributes } from './http-method.ts';

/** What the plugin records on each traced request. */
export interface RequestTrace {
  /** The SERVER span for this request. */
  readonly span: Span;
  /** The context to run work in (the span is active in it). */
  readonly context: Context;
  /** The caller's span, if valid trace headers arrived; undefined means we started a new trace. */
  readonly parent: SpanContext | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the tracing plugin; undefined for ignored routes. */
    trace: RequestTrace | undefined;
  }
}

export interface TracingPluginOptions {
  /** Defaults to the global tracer provider's `@meshtrace/tracing` tracer. */
  readonly tracer?: Tracer;
  /** Requests for which no span is recorded (e.g. probes). */
  readonly ignore?: (request: FastifyRequest) => boolean;
}

function hostAndPort(host: string | undefined): [string | undefined, number | undefined] {
  if (!host) return [undefined, undefined];
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!match) return [host, undefined];
  return [match[1], match[2] ? Number(match[2]) : undefined];
}

/**
 * One SERVER span per request, continuing the caller's trace. The span is
 * started in `onRequest` from the extracted headers, and the rest of the
 * request (hooks, handler, client calls, log lines) runs inside its context.
 * It ends in `onResponse` with the status; 5xx marks it as an error.
 */
async function tracingPlugin(app: FastifyInstance, options: TracingPluginOptions): Promise<void> {
  const tracer = options.tracer ?? trace.getTracer('@meshtrace/tracing');
  app.decorateRequest('trace', undefined);

  app.addHook('onRequest', function startServerSpan(request, _reply, done) {
    if (options.ignore?.(request)) return done();
    // Extraction never throws: bad or missing headers give back ROOT_CONTEXT, so we start a new trace.
    const extracted = propagation.extract(ROOT_CONTEXT, request.headers);
    const parent = trace.getSpanContext(extracted);
    const route = request.routeOptions.url;
    const [address, port] = hostAndPort(request.host);
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          ...httpMethodAttributes(request.method),
          [ATTR_URL_PATH]: request.url.split('?', 1)[0],
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_SERVER_ADDRESS]: address,
          [ATTR_SERVER_PORT]: port,
          [ATTR_CLIENT_ADDRESS]: request.ip,
          [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'],
        },
      },
      extracted,
    );
    const active = trace.setSpan(extracted, span);
    request.trace = { span, context: active, parent };
    // Everything Fastify runs after this hook runs inside the span's context.
    context.with(active, done);
  });

  app.addHook('onError', function recordError(request, _reply, error, done) {
    request.trace?.span.recordException(error);
    done();
  });

  app.addHook('onResponse', function endServerSpan(request, reply, done) {
    const span = request.trace?.span;
    if (!span) return done();
    const status = reply.statusCode;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    // Server spans: 5xx is an error, 4xx is the client's mistake and stays unset.
    if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
    done();
  });

  app.addHook('onRequestAbort', function endAbortedSpan(request, done) {
    const span = request.trace?.span;
    if (span?.isRecording()) {
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
      span.end();
    }
    done();
  });
}

export const tracing: FastifyPluginAsync<TracingPluginOptions> = fp(tracingPlugin, {
  name: 'meshtrace-tracing',
  fastify: '5.x',
});
