import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blackHole, refusedUrl } from '@meshtrace/trace-tools';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportCounters } from '../src/export-stats.ts';
import { createResilientZipkinExporter, DropCountingProcessor } from '../src/resilient-exporter.ts';

/** Real sockets for each way a collector can fail; each test closes what it opened. */
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function httpCollector(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/spans`;
}

/** A collector that accepts connections and never answers (closed after the test). */
async function blackHoleCollector(): Promise<string> {
  const endpoint = await blackHole('/api/v2/spans');
  closers.push(() => endpoint.close());
  return endpoint.url;
}

/** A collector address where nothing listens: connections are refused. */
const refused = () => refusedUrl('/api/v2/spans');

/** Ends `count` real spans through a provider and collects them as ReadableSpans. */
function makeSpans(count: number): ReadableSpan[] {
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

async function exportOnce(url: string, timeoutMs: number, counters: ExportCounters) {
  const exporter = createResilientZipkinExporter({ url, timeoutMs }, counters);
  const started = Date.now();
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(makeSpans(3), resolve),
  );
  return { result, elapsedMs: Date.now() - started };
}

describe('resilient Zipkin exporter', () => {
  it('counts delivered spans as exported', async () => {
    let bodies = 0;
    const url = await httpCollector((req, res) => {
      req.resume();
      req.on('end', () => {
        bodies++;
        res.statusCode = 202;
        res.end();
      });
    });
    const counters = new ExportCounters();
    const { result } = await exportOnce(url, 1000, counters);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(bodies).toBe(1);
    expect(counters.snapshot()).toEqual({ exported: 3, failed: 0, dropped: 0 });
  });

  it.each([
    ['connection refused', refused],
    ['answering 500', () => httpCollector((_req, res) => res.writeHead(500).end())],
    ['answering after 2 s', () => httpCollector((_req, res) => setTimeout(() => res.end(), 2000).unref())],
    ['accepting and never answering', blackHoleCollector],
  ])('fails within its timeout when the collector is %s, and counts the spans as failed', async (_name, collector) => {
    const counters = new ExportCounters();
    const { result, elapsedMs } = await exportOnce(await collector(), 300, counters);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((result.error as { code?: string }).code).toBe('MTR_ERR_SPAN_EXPORT');
    // Loose bound: the 300 ms timeout, never the 2 s answer or an endless wait.
    expect(elapsedMs).toBeLessThan(1500);
    expect(counters.snapshot()).toEqual({ exported: 0, failed: 3, dropped: 0 });
  });

  it('counts spans dropped on a full queue, and the batch processor stays bounded', async () => {
    const counters = new ExportCounters();
    const exporter = createResilientZipkinExporter({ url: await blackHoleCollector(), timeoutMs: 200 }, counters);
    const processor = new DropCountingProcessor(
      new BatchSpanProcessor({ exporter, maxQueueSize: 10, maxExportBatchSize: 5, scheduledDelayMillis: 60_000 }),
      10,
      counters,
    );
    const provider = new TracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('test');
    // The first full batch goes to the exporter; while it hangs, 10 more fill the queue and the rest are dropped.
    for (let i = 0; i < 40; i++) tracer.startSpan(`span ${i}`).end();
    const { dropped } = counters.snapshot();
    expect(dropped).toBeGreaterThan(0);
    // The final flush fails too (the collector never answers); shutdown reports it and still ends.
    await expect(provider.shutdown()).rejects.toMatchObject({ code: 'MTR_ERR_SPAN_EXPORT' });
    // Every span is accounted for exactly once, once the last batches time out (shutdown rejects at the first).
    const total = () => counters.exported + counters.failed + counters.dropped;
    for (const deadline = Date.now() + 2000; total() < 40 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = counters.snapshot();
    expect(after.exported + after.failed + after.dropped).toBe(40);
    expect(after.exported).toBe(0);
  });
});

describe('loss summary', () => {
  it('logs one line per report, only when something was lost since the last one', async () => {
    const { diag, DiagLogLevel } = await import('@opentelemetry/api');
    const lines: string[] = [];
    diag.setLogger(
      { error() {}, warn: (message) => lines.push(message), info() {}, debug() {}, verbose() {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    try {
      const counters = new ExportCounters();
      counters.report();
      expect(lines).toEqual([]);
      counters.failed += 512;
      counters.failed += 512;
      counters.dropped += 7;
      counters.report();
      counters.report();
      expect(lines).toEqual([
        'span export losses: 1024 failed, 7 dropped since the last report (totals: 0 exported, 1024 failed, 7 dropped)',
      ]);
    } finally {
      diag.disable();
    }
  });
});
