import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blackHole, refusedUrl } from '@meshtrace/harness';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach } from 'vitest';

/**
 * Real sockets for each way a collector can fail, and real spans to send
 * them. Whatever a test opens here is closed after it.
 */
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A collector answering with `handler`, at `path` on a loopback port. */
export async function httpCollector(path: string, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

/** A collector that accepts connections and never answers. */
export async function blackHoleCollector(path: string): Promise<string> {
  const endpoint = await blackHole(path);
  closers.push(() => endpoint.close());
  return endpoint.url;
}

/** A collector address where nothing listens: connections are refused. */
export const refusedCollector = (path: string) => refusedUrl(path);

/** Every way a collector fails, each answering at `path`. */
export function failingCollectors(path: string): [string, () => Promise<string>][] {
  return [
    ['connection refused', () => refusedCollector(path)],
    ['answering 500', () => httpCollector(path, (_req, res) => res.writeHead(500).end())],
    ['answering after 2 s', () => httpCollector(path, (_req, res) => setTimeout(() => res.end(), 2000).unref())],
    ['accepting and never answering', () => blackHoleCollector(path)],
  ];
}

/** Ends `count` real spans through a provider and collects them as ReadableSpans. */
export function makeSpans(count: number): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    spanProcessors: [
      {
        onStart() {},
        onEnd: (span) => ended.push(span),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const tracer = provider.getTracer('test');
  for (let i = 0; i < count; i++) tracer.startSpan(`span ${i}`).end();
  return ended;
}
