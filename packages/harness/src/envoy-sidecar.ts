import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import {
  type EnvoySpan,
  type Headers,
  injectContext,
  type MeshProvider,
  startSpan,
  tracingDecision,
} from './envoy-tracers.ts';
import type { ZipkinSpan } from './zipkin-span.ts';

/**
 * A SIMULATION of an Istio sidecar (Envoy) for the local mesh: an HTTP proxy on
 * loopback that does to trace headers and spans what Envoy's tracers do
 * (envoy-tracers.ts, each rule tied to Envoy's source), and reports its own
 * span to the same Zipkin endpoint the apps use. It is not Envoy: no mTLS, no
 * retries, no routing, no access log. An outbound sidecar (the caller's)
 * reports a CLIENT span, an inbound one (the callee's) a SERVER span, as
 * `<app>.<namespace>`, named like Istio's `<service>.<namespace>.svc.cluster.local:<port>/*`.
 * Real Envoy's OpenTelemetry tracer exports OTLP; this one always posts Zipkin v2 JSON.
 */

/**
 * Sim-only request header, not Envoy's: a JSON array to which each sidecar appends what it saw
 * and wrote (a SidecarPass), for the explorer and tests. The app reports it (the backend's echo
 * shows every header) and forwards nothing of it.
 */
export const SIDECAR_TRAIL = 'x-meshtrace-sidecar-trail';

/** The headers a sidecar reads or writes, shown before and after it in the trail. */
const TRACE_HEADERS = [
  'x-request-id',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'traceparent',
  'tracestate',
] as const;
/** Not forwarded by a proxy (RFC 9110 §7.6.1), plus `host`, which undici sets for the upstream. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'host',
]);
/** Envoy's tracing.zipkin.request_timeout default. */
const REPORT_TIMEOUT_MS = 5_000;
const UPSTREAM_TIMEOUT_MS = 15_000;

export interface SidecarOptions {
  /** The app this sidecar runs beside (its pod's `app` label). */
  readonly app: string;
  readonly namespace?: string;
  /** `outbound`: the caller's sidecar (CLIENT span); `inbound`: the callee's (SERVER span). */
  readonly direction: 'outbound' | 'inbound';
  /** Where requests go next: the callee's inbound sidecar, or the app itself. */
  readonly upstream: string;
  /** The app being called, for the span name and `upstream_cluster`. */
  readonly upstreamApp: string;
  /** The called Service's port in the span name (the project's Services listen on 5678 and 8080). */
  readonly servicePort?: number;
  readonly tracer: MeshProvider;
  /** Istio's `randomSamplingPercentage`, 0 to 100. Default 100. */
  readonly samplingPercent?: number;
  /** The Zipkin v2 endpoint spans are posted to. */
  readonly zipkinUrl: string;
  /** Envoy flushes every 5 s (tracing.zipkin.flush_interval_ms); the demo wants spans sooner. Default 200. */
  readonly flushIntervalMs?: number;
}

/** What one sidecar saw and wrote on one request: an entry of the trail. */
export interface SidecarPass {
  readonly sidecar: string;
  readonly kind: 'CLIENT' | 'SERVER';
  readonly tracer: MeshProvider;
  /** Absent for Envoy's NullSpan (unparseable headers: nothing rewritten). */
  readonly span?: { readonly trace_id: string; readonly span_id: string; readonly parent_id?: string };
  /** Whether Envoy reports the span (it reports only sampled ones). */
  readonly sampled: boolean;
  readonly before: Readonly<Record<string, string>>;
  readonly after: Readonly<Record<string, string>>;
}

export interface Sidecar {
  readonly url: string;
  /** `<app>.<namespace>`: the service name of its spans. */
  readonly name: string;
  /** Spans reported so far, and reports that failed. */
  readonly reported: () => { readonly spans: number; readonly failed: number };
  /** Stops listening, then posts what is still buffered. */
  close(): Promise<void>;
}

/** Reads the sim's trail header back: one entry per sidecar passed, in order. Never throws. */
export function readSidecarTrail(value: string | undefined): SidecarPass[] {
  try {
    const passes: unknown = JSON.parse(value ?? '[]');
    return Array.isArray(passes) ? (passes as SidecarPass[]) : [];
  } catch {
    return [];
  }
}

function traceHeaders(headers: Headers): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of TRACE_HEADERS) if (headers[name] !== undefined) shown[name] = headers[name];
  return shown;
}

/**
 * The first value of each request header, as Envoy's header map reads them
 * ("only the first value is used"): Node's headersDistinct keeps repeated headers apart.
 */
function firstValues(req: IncomingMessage): Headers {
  const headers: Headers = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!HOP_BY_HOP.has(name) && values?.[0] !== undefined) headers[name] = values[0];
  }
  return headers;
}

/** Epoch microseconds, as Zipkin wants them. */
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** A Zipkin v2 span as Envoy's zipkin reporter posts it (HTTP_JSON), with the request tags Envoy sets. */
function zipkinSpan(
  span: EnvoySpan,
  facts: { name: string; service: string; kind: 'CLIENT' | 'SERVER'; cluster: string; startUs: number },
  request: { method: string; url: string; requestId: string | undefined; status: number },
): ZipkinSpan {
  return {
    traceId: span.traceId,
    id: span.spanId,
    ...(span.parentId ? { parentId: span.parentId } : {}),
    name: facts.name,
    kind: facts.kind,
    timestamp: facts.startUs,
    duration: Math.max(1, nowUs() - facts.startUs),
    localEndpoint: { serviceName: facts.service, ipv4: '127.0.0.1' },
    // HttpTracerUtility::finalizeDownstreamSpan (source/common/tracing/http_tracer_impl.cc); `error` for 5xx.
    tags: {
      component: 'proxy',
      ...(request.requestId === undefined ? {} : { 'guid:x-request-id': request.requestId }),
      'http.method': request.method,
      'http.url': request.url,
      'http.protocol': 'HTTP/1.1',
      'http.status_code': String(request.status),
      upstream_cluster: facts.cluster,
      ...(request.status >= 500 ? { error: 'true' } : {}),
    },
  };
}

/** Starts one simulated sidecar on 127.0.0.1 (port 0: any free port). */
export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const namespace = options.namespace ?? 'meshtrace';
  const service = `${options.app}.${namespace}`;
  const host = `${options.upstreamApp}.${namespace}.svc.cluster.local`;
  const port = options.servicePort ?? 5678;
  const kind = options.direction === 'outbound' ? 'CLIENT' : 'SERVER';
  const cluster = options.direction === 'outbound' ? `outbound|${port}||${host}` : `inbound|${port}||`;
  const samplingPercent = options.samplingPercent ?? 100;
  const agent = new Agent({ connections: 16 });
  const buffer: ZipkinSpan[] = [];
  let reported = 0;
  let failed = 0;

  async function flush(): Promise<void> {
    if (buffer.length === 0) return;
    const batch = buffer.splice(0);
    try {
      const { statusCode, body } = await request(options.zipkinUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(REPORT_TIMEOUT_MS),
      });
      await body.dump();
      // ReporterImpl::onSuccess counts anything but 202 Accepted as dropped.
      if (statusCode === 202) reported += batch.length;
      else failed += batch.length;
    } catch {
      failed += batch.length;
    }
  }
  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 200);
  timer.unref();

  async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startUs = nowUs();
    const headers = firstValues(req);
    const before = traceHeaders(headers);
    const decision = tracingDecision(headers, samplingPercent);
    const started = startSpan(options.tracer, headers, decision);
    if (started.kind === 'span') injectContext(options.tracer, started.span, headers);
    const pass: SidecarPass = {
      sidecar: service,
      kind,
      tracer: options.tracer,
      ...(started.kind === 'span'
        ? {
            span: {
              trace_id: started.span.traceId,
              span_id: started.span.spanId,
              ...(started.span.parentId ? { parent_id: started.span.parentId } : {}),
            },
          }
        : {}),
      sampled: started.kind === 'span' && started.span.sampled,
      before,
      after: traceHeaders(headers),
    };
    headers[SIDECAR_TRAIL] = JSON.stringify([...readSidecarTrail(headers[SIDECAR_TRAIL]), pass]);

    let status = 503;
    try {
      const answer = await request(new URL(req.url ?? '/', options.upstream), {
        method: req.method as 'GET',
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
        dispatcher: agent,
        headersTimeout: UPSTREAM_TIMEOUT_MS,
        bodyTimeout: UPSTREAM_TIMEOUT_MS,
      });
      status = answer.statusCode;
      const forwarded = Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name));
      res.writeHead(status, Object.fromEntries(forwarded));
      for await (const chunk of answer.body) res.write(chunk);
      res.end();
    } catch {
      // As Envoy answers when it cannot reach the upstream (response flag UF).
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream connect error or disconnect/reset before headers');
    }
    // Tracer::reportSpan: only sampled spans are reported.
    if (started.kind === 'span' && started.span.sampled) {
      buffer.push(
        zipkinSpan(
          started.span,
          { name: `${host}:${port}/*`, service, kind, cluster, startUs },
          {
            method: req.method ?? 'GET',
            url: `http://${host}:${port}${req.url ?? '/'}`,
            requestId: headers['x-request-id'],
            status,
          },
        ),
      );
    }
  }

  const server = createServer((req, res) => void proxy(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${listening}/`,
    name: service,
    reported: () => ({ spans: reported, failed }),
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await flush();
      await agent.close();
    },
  };
}
