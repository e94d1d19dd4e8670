import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isZipkinSpan, type ZipkinSpan } from './zipkin-span.ts';

/** Zipkin's collector path for v2 JSON. */
export const ZIPKIN_SPANS_PATH = '/api/v2/spans';
/** Larger bodies are refused with 413, as a real collector would. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ZipkinReceiver {
  /** The URL to give OTEL_EXPORTER_ZIPKIN_ENDPOINT. */
  readonly url: string;
  /** Every span received so far, in arrival order. */
  readonly spans: readonly ZipkinSpan[];
  /** Called with each accepted batch. */
  onSpans(listener: (batch: readonly ZipkinSpan[]) => void): void;
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

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A real HTTP endpoint speaking Zipkin's v2 collector protocol: `POST
 * /api/v2/spans` with a JSON array answers 202, anything malformed answers
 * 400. Used by the tests, the local demo and the benchmark.
 */
export async function startZipkinReceiver(options: ZipkinReceiverOptions = {}): Promise<ZipkinReceiver> {
  const spans: ZipkinSpan[] = [];
  const listeners: Array<(batch: readonly ZipkinSpan[]) => void> = [];

  const server = createServer(async (req, res) => {
    if (req.url?.split('?', 1)[0] !== ZIPKIN_SPANS_PATH) return answer(res, 404, 'not found');
    if (req.method !== 'POST') return answer(res, 405, 'POST only');
    const body = await readBody(req);
    if (body === undefined) return answer(res, 413, 'body too large');
    let batch: unknown;
    try {
      batch = JSON.parse(body);
    } catch {
      return answer(res, 400, 'malformed JSON');
    }
    if (!Array.isArray(batch) || !batch.every(isZipkinSpan))
      return answer(res, 400, 'expected an array of Zipkin v2 spans');
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
    spans,
    onSpans(listener) {
      listeners.push(listener);
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
