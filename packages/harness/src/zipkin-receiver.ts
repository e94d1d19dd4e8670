import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpTraces } from './otlp-proto.ts';
import { fromOtlp, type OtlpTracesResult } from './otlp-spans.ts';
import type { TraceSpan } from './trace-span.ts';
import { isZipkinSpan, type ZipkinSpan } from './zipkin-span.ts';

/** Zipkin's collector path for v2 JSON. */
export const ZIPKIN_SPANS_PATH = '/api/v2/spans';
/** OTLP/HTTP's path for traces (the OTLP specification, "OTLP/HTTP Request"). */
export const OTLP_TRACES_PATH = '/v1/traces';
/** Larger bodies (after gunzip, for OTLP) are refused with 413, as a real collector would. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ZipkinReceiver {
  /** The URL to give OTEL_EXPORTER_ZIPKIN_ENDPOINT. */
  readonly url: string;
  /** The URL to give OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (protobuf or JSON, gzip or not). */
  readonly otlpUrl: string;
  /** Every Zipkin span received so far, in arrival order (a test may empty it between cases). */
  readonly spans: ZipkinSpan[];
  /** Every OTLP span received so far, in arrival order. */
  readonly otlpSpans: readonly TraceSpan[];
  /** The request headers of every accepted upload, Zipkin or OTLP: what an exporter sends besides spans. */
  readonly uploads: readonly IncomingHttpHeaders[];
  /** Called with each accepted Zipkin batch. */
  onSpans(listener: (batch: readonly ZipkinSpan[]) => void): void;
  /** Called with each accepted OTLP batch. */
  onOtlpSpans(listener: (batch: readonly TraceSpan[]) => void): void;
  /** Resolves with all spans once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: readonly ZipkinSpan[]) => boolean, timeoutMs?: number): Promise<readonly ZipkinSpan[]>;
  close(): Promise<void>;
}

export interface ZipkinReceiverOptions {
  readonly host?: string;
  readonly port?: number;
}

function answer(res: ServerResponse, status: number, text = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  if (req.headers['content-encoding'] !== 'gzip') return body;
  try {
    return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
  } catch {
    return undefined;
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * An OTLP/HTTP export request, protobuf or JSON by its content type, as the
 * JSON shape fromOtlp reads; undefined when malformed.
 */
function readOtlp(req: IncomingMessage, body: Buffer): OtlpTracesResult | undefined {
  if (req.headers['content-type']?.startsWith('application/json')) {
    const parsed = parseJson(body) as OtlpTracesResult | undefined;
    return Array.isArray(parsed?.resourceSpans) ? parsed : undefined;
  }
  return decodeOtlpTraces(body);
}

/**
 * A real HTTP endpoint speaking Zipkin's v2 collector protocol (`POST
 * /api/v2/spans` with a JSON array answers 202) and OTLP/HTTP for traces
 * (`POST /v1/traces`, protobuf or JSON, answers 200 with an empty
 * ExportTraceServiceResponse in the same encoding); anything malformed answers
 * 400. Used by the tests, the local demo and the benchmark.
 */
export async function startZipkinReceiver(options: ZipkinReceiverOptions = {}): Promise<ZipkinReceiver> {
  const spans: ZipkinSpan[] = [];
  const otlpSpans: TraceSpan[] = [];
  const uploads: IncomingHttpHeaders[] = [];
  const listeners: Array<(batch: readonly ZipkinSpan[]) => void> = [];
  const otlpListeners: Array<(batch: readonly TraceSpan[]) => void> = [];

  const server = createServer(async (req, res) => {
    const path = req.url?.split('?', 1)[0];
    if (path !== ZIPKIN_SPANS_PATH && path !== OTLP_TRACES_PATH) return answer(res, 404, 'not found');
    if (req.method !== 'POST') return answer(res, 405, 'POST only');
    const body = await readBody(req);
    if (body === undefined) return answer(res, 413, 'body too large or not gzip');
    if (path === OTLP_TRACES_PATH) {
      const request = readOtlp(req, body);
      if (request === undefined) return answer(res, 400, 'expected an OTLP ExportTraceServiceRequest');
      const batch = fromOtlp(request);
      uploads.push(req.headers);
      otlpSpans.push(...batch);
      for (const listener of otlpListeners) listener(batch);
      const json = req.headers['content-type']?.startsWith('application/json');
      res
        .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : '');
      return;
    }
    const batch = parseJson(body);
    if (!Array.isArray(batch) || !batch.every(isZipkinSpan))
      return answer(res, 400, 'expected a JSON array of Zipkin v2 spans');
    uploads.push(req.headers);
    spans.push(...batch);
    for (const listener of listeners) listener(batch);
    answer(res, 202);
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}${ZIPKIN_SPANS_PATH}`,
    otlpUrl: `http://${host}:${port}${OTLP_TRACES_PATH}`,
    spans,
    otlpSpans,
    uploads,
    onSpans(listener) {
      listeners.push(listener);
    },
    onOtlpSpans(listener) {
      otlpListeners.push(listener);
    },
    waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(spans)) return Promise.resolve(spans);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = listeners.indexOf(check);
          if (index >= 0) listeners.splice(index, 1);
          reject(new Error(`spans did not arrive within ${timeoutMs} ms (have ${spans.length})`));
        }, timeoutMs);
        function check() {
          if (!predicate(spans)) return;
          clearTimeout(timer);
          listeners.splice(listeners.indexOf(check), 1);
          resolve(spans);
        }
        listeners.push(check);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
