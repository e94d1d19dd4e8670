import { exportStats } from '@meshtrace/tracing';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry, served on `/metrics`; services add their own metrics to it. */
    metrics: Registry;
  }
}

export interface MetricsPluginOptions {
  /** Defaults to a new registry per app, so apps built in one test process never share counts. */
  readonly registry?: Registry;
  /** Who is answering, as spans, logs and `X-App-*` headers say: exported as `target_info`. */
  readonly service?: { readonly name: string; readonly version: string };
  /** Statuses this service is configured to answer with (ECHO_STATUS_CODE, ERROR_CODE): labelled exactly. */
  readonly statuses?: readonly number[];
}

/**
 * Statuses labelled exactly whatever the service: what Fastify and these services answer on their
 * own (the page's redirect and 304s, a bad request, no route, a body too large, a failed target,
 * closing). Node's own 408 and 431 never reach a route, so they are never counted.
 */
export const OWN_STATUSES: readonly number[] = [200, 301, 304, 400, 404, 413, 500, 502, 503];

/**
 * The `status_code` label of a status. A caller can make the backend answer any status from 200
 * to 599 (`x-set-response-status-code`); each distinct one would be a new series of every
 * request metric, never evicted. So only the statuses above and the configured ones keep their
 * number, and any other is counted by class (`418` as `4xx`): at most 4 more values, and a
 * `status_code=~"4.."` query still matches both.
 */
export function statusLabels(configured: readonly number[] = []): (status: number) => string {
  const exact = new Set([...OWN_STATUSES, ...configured]);
  return (status) => (exact.has(status) ? String(status) : `${Math.trunc(status / 100)}xx`);
}

/** Seconds, from 5 ms to 10 s: loopback calls at the bottom, a mesh timeout at the top. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `GET /metrics` in Prometheus text format, with a request counter and a
 * duration histogram labelled by route (the pattern, never the raw path),
 * method and status (see statusLabels()), so the label set stays bounded
 * whatever callers send. Probe routes, `/metrics` included, are not counted:
 * the kubelet and Prometheus would drown the traffic.
 */
async function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const registry = options.registry ?? new Registry();
  const statusLabel = statusLabels(options.statuses);
  collectDefaultMetrics({ register: registry });
  const labelNames = ['route', 'method', 'status_code'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by route pattern, method and status.',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  if (options.service) {
    // OpenTelemetry's Prometheus mapping puts resource attributes on `target_info`, value 1.
    new Gauge({
      name: 'target_info',
      help: 'The service name and version this process reports.',
      labelNames: ['service_name', 'service_version'],
      registers: [registry],
    }).set({ service_name: options.service.name, service_version: options.service.version }, 1);
  }
  app.decorate('metrics', registry);

  app.addHook('onResponse', function countRequest(request, reply, done) {
    if (request.routeOptions.config.probe === true) return done();
    const labels = {
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status_code: statusLabel(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { config: { probe: true } }, async function serveMetrics(_request, reply) {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export const metrics: FastifyPluginAsync<MetricsPluginOptions> = fp(metricsPlugin, {
  name: 'meshtrace-metrics',
  fastify: '5.x',
});

/** A counter read from elsewhere when Prometheus scrapes, so nothing is counted twice. */
export function counterFrom(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/**
 * The tracing package's span counts (exportStats()) as Prometheus counters: a trace missing in
 * Jaeger shows up here as a failed export or a full queue.
 */
export function registerSpanExportMetrics(registry: Registry): void {
  counterFrom(registry, 'spans_exported_total', 'Spans the collector accepted.', () => exportStats().exported);
  counterFrom(
    registry,
    'spans_export_failed_total',
    'Spans lost to failed or timed-out exports.',
    () => exportStats().failed,
  );
  counterFrom(
    registry,
    'spans_dropped_total',
    'Spans dropped because the export queue was full.',
    () => exportStats().dropped,
  );
}
