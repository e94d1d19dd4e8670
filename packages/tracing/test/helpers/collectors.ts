import type { RequestListener } from 'node:http';
import {
  answeringWith,
  blackHole,
  failingCollectors as collectorFaults,
  type FaultyEndpoint,
} from '@meshtrace/harness';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach } from 'vitest';

/**
 * Real sockets for each way a collector can fail (the harness's fault servers), and real spans to
 * send them. Whatever a test opens here is closed after it.
 */
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** The endpoint's URL; the endpoint is closed after the test. */
async function closedAfterTest(started: Promise<FaultyEndpoint>): Promise<string> {
  const endpoint = await started;
  closers.push(() => endpoint.close());
  return endpoint.url;
}

/** A collector answering with `handler`, at `path` on a loopback port. */
export const httpCollector = (path: string, handler: RequestListener) => closedAfterTest(answeringWith(handler, path));

/** A collector that accepts connections and never answers. */
export const blackHoleCollector = (path: string) => closedAfterTest(blackHole(path));

/** Every way a collector fails, each answering at `path`. */
export function failingCollectors(path: string): [string, () => Promise<string>][] {
  return collectorFaults(path).map(([name, start]) => [name, () => closedAfterTest(start())]);
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
