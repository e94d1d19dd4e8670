import { ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { B3_SAMPLING } from '../src/headers.ts';
import { ExportCounters } from '../src/sdk.ts';
import { CountingExporter, DropCountingProcessor } from '../src/sdk-start.ts';
import { createZipkinExporter, DebugSpanProcessor } from '../src/zipkin-upload.ts';
import { blackHoleCollector, failingCollectors, httpCollector, makeSpans } from './helpers/collectors.ts';

const ZIPKIN_PATH = '/api/v2/spans';

/** The Zipkin exporter as OTEL_TRACES_EXPORTER=zipkin builds it: timed, and counted. */
const zipkinExporter = (options: { url: string; timeoutMs: number }, counters: ExportCounters) =>
  new CountingExporter(createZipkinExporter(options), counters);

async function exportOnce(url: string, timeoutMs: number, counters: ExportCounters) {
  const exporter = zipkinExporter({ url, timeoutMs }, counters);
  const started = Date.now();
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(makeSpans(3), resolve),
  );
  return { result, elapsedMs: Date.now() - started };
}

describe('Zipkin upload', () => {
  it('counts delivered spans as exported', async () => {
    let bodies = 0;
    const url = await httpCollector(ZIPKIN_PATH, (req, res) => {
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

  it.each(failingCollectors(ZIPKIN_PATH))(
    'fails within its timeout when the collector is %s, and counts the spans as failed',
    async (_name, collector) => {
      const counters = new ExportCounters();
      const { result, elapsedMs } = await exportOnce(await collector(), 300, counters);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect((result.error as { code?: string }).code).toBe('MTR_ERR_SPAN_EXPORT');
      // Loose bound: the 300 ms timeout, never the 2 s answer or an endless wait.
      expect(elapsedMs).toBeLessThan(1500);
      expect(counters.snapshot()).toEqual({ exported: 0, failed: 3, dropped: 0 });
    },
  );

  it('counts spans dropped on a full queue, and the batch processor stays bounded', async () => {
    const counters = new ExportCounters();
    const exporter = zipkinExporter({ url: await blackHoleCollector(ZIPKIN_PATH), timeoutMs: 200 }, counters);
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

describe('the seam into the upstream exporter (public only)', () => {
  // zipkin-upload.ts relies on ZipkinExporter posting with node:http inside export() (so the
  // request is announced on http.client.request.created within our AsyncLocalStorage store)
  // and writing its JSON body with write(). If a new version stops doing either, this fails:
  // no "debug": true, or no upload at all.
  it('sends b3: 0, and "debug": true on exactly the spans started in a B3 debug context', async () => {
    const uploads: { b3: unknown; spans: { id: string; debug?: boolean }[] }[] = [];
    const url = await httpCollector(ZIPKIN_PATH, async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      uploads.push({ b3: req.headers.b3, spans: JSON.parse(body) });
      res.writeHead(202).end();
    });
    const ended: ReadableSpan[] = [];
    const provider = new TracerProvider({
      spanProcessors: [
        new DebugSpanProcessor(),
        { onStart() {}, onEnd: (span) => ended.push(span), forceFlush: async () => {}, shutdown: async () => {} },
      ],
    });
    const tracer = provider.getTracer('test');
    tracer.startSpan('debug', {}, ROOT_CONTEXT.setValue(B3_SAMPLING, 'debug')).end();
    tracer.startSpan('plain', {}, ROOT_CONTEXT).end();
    const exporter = createZipkinExporter({ url, timeoutMs: 2000 });
    const result = await new Promise<{ code: ExportResultCode }>((resolve) => exporter.export(ended, resolve));
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]?.b3).toBe('0');
    const debugOf = (name: string) => {
      const id = ended.find((span) => span.name === name)?.spanContext().spanId;
      return uploads[0]?.spans.find((span) => span.id === id)?.debug;
    };
    expect(debugOf('debug')).toBe(true);
    expect(debugOf('plain')).toBeUndefined();
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
