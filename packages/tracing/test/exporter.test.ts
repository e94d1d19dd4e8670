import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportCounters } from '../src/sdk.ts';
import { createSpanExporter, otlpOptions } from '../src/sdk-start.ts';
import { loadTracingSettings } from '../src/settings.ts';
import { failingCollectors, httpCollector, makeSpans } from './helpers/collectors.ts';

const backendMain = fileURLToPath(new URL('../../../services/backend/dist/server.js', import.meta.url));
const settingsOf = (env: Record<string, string>) => loadTracingSettings(env, backendMain);

function exporterFor(env: Record<string, string>, counters = new ExportCounters()): SpanExporter {
  const exporter = createSpanExporter(settingsOf({ OTEL_TRACES_EXPORTER: 'otlp', ...env }), counters);
  if (!exporter) throw new Error('no exporter built');
  return exporter;
}

async function exportOnce(exporter: SpanExporter, count = 3) {
  const spans = makeSpans(count);
  const started = Date.now();
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) =>
    exporter.export(spans, resolve),
  );
  return { spans, result, elapsedMs: Date.now() - started };
}

describe('OTEL_TRACES_EXPORTER', () => {
  it('is zipkin unless told otherwise; none builds no exporter, so nothing is queued or sent', () => {
    expect(settingsOf({}).exporter).toBe('zipkin');
    expect(createSpanExporter(settingsOf({ OTEL_TRACES_EXPORTER: 'none' }), new ExportCounters())).toBeUndefined();
  });

  it('reads the spec OTLP variables, each OTEL_EXPORTER_OTLP_TRACES_* winning over its general form', () => {
    const general = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=a',
      OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    };
    expect(otlpOptions(settingsOf(general))).toEqual({
      // The general endpoint is a base URL: the signal path is appended.
      url: 'http://collector:4318/base/v1/traces',
      protocol: 'http/protobuf',
      headers: { authorization: 'Bearer abc', 'x-team': 'a', b3: '0' },
      timeoutMillis: 5000,
      compression: 'none',
    });
    const perSignal = {
      ...general,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example:4318/custom',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=b',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '250',
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
    };
    expect(otlpOptions(settingsOf(perSignal))).toEqual({
      // The per-signal endpoint is used as it is.
      url: 'https://traces.example:4318/custom',
      protocol: 'http/json',
      headers: { authorization: 'Bearer abc', 'x-team': 'b', b3: '0' },
      timeoutMillis: 250,
      compression: 'gzip',
    });
  });

  it('defaults to the spec: localhost:4318/v1/traces, protobuf, 10 s, capped by OTEL_BSP_EXPORT_TIMEOUT', () => {
    expect(otlpOptions(settingsOf({}))).toMatchObject({
      url: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
      timeoutMillis: 10_000,
    });
    expect(otlpOptions(settingsOf({ OTEL_BSP_EXPORT_TIMEOUT: '3000' })).timeoutMillis).toBe(3000);
  });

  it('refuses every bad value at start-up, one line each, gRPC included', () => {
    const bad = {
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
      OTEL_EXPORTER_OTLP_TIMEOUT: '0',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1e3',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd',
    };
    expect(() => settingsOf(bad)).toThrow(
      [
        'invalid OTEL_TRACES_EXPORTER="jaeger": expected one of zipkin, otlp, none',
        'invalid OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an http:// or https:// URL',
        'invalid OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp://collector": expected an http:// or https:// URL, or empty',
        'invalid OTEL_EXPORTER_OTLP_PROTOCOL="grpc": expected one of http/protobuf, http/json',
        'invalid OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="grpc": expected one of http/protobuf, http/json, or empty',
        'invalid OTEL_EXPORTER_OTLP_HEADERS="novalue": expected comma-separated key=value pairs (values percent-encoded)',
        'invalid OTEL_EXPORTER_OTLP_TIMEOUT="0": expected an integer from 1 to 600000',
        'invalid OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="1e3": expected an integer from 1 to 600000, or empty',
        'invalid OTEL_EXPORTER_OTLP_COMPRESSION="zstd": expected one of none, gzip',
      ].join('\n'),
    );
  });
});

describe('OTLP/HTTP export, over real HTTP', () => {
  let receiver: ZipkinReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it.each(['http/protobuf', 'http/json'])(
    'delivers spans as %s, read back by a real OTLP endpoint',
    async (protocol) => {
      receiver = await startZipkinReceiver();
      const counters = new ExportCounters();
      const exporter = exporterFor(
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.otlpUrl, OTEL_EXPORTER_OTLP_PROTOCOL: protocol },
        counters,
      );
      const { spans, result } = await exportOnce(exporter);
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(counters.snapshot()).toEqual({ exported: 3, failed: 0, dropped: 0 });
      expect(receiver.otlpSpans.map((s) => [s.traceId, s.spanId, s.name, s.service])).toEqual(
        spans.map((s) => [
          s.spanContext().traceId,
          s.spanContext().spanId,
          s.name,
          s.resource.attributes['service.name'],
        ]),
      );
      await exporter.shutdown();
    },
  );

  it('sends b3: 0 and the configured headers on every upload, gzip-compressed when asked', async () => {
    const uploads: { headers: Record<string, unknown>; body: Buffer }[] = [];
    const url = await httpCollector('/v1/traces', async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      uploads.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const exporter = exporterFor({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    });
    expect((await exportOnce(exporter)).result.code).toBe(ExportResultCode.SUCCESS);
    const [upload] = uploads;
    expect(upload?.headers).toMatchObject({
      b3: '0',
      authorization: 'Bearer abc',
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(JSON.parse(gunzipSync(upload?.body ?? Buffer.alloc(0)).toString()).resourceSpans).toHaveLength(1);
    await exporter.shutdown();
  });

  it.each(failingCollectors('/v1/traces'))(
    'fails within its timeout when the collector is %s, and counts the spans as failed',
    async (_name, collector) => {
      const counters = new ExportCounters();
      const exporter = exporterFor(
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: await collector(), OTEL_EXPORTER_OTLP_TIMEOUT: '300' },
        counters,
      );
      const { result, elapsedMs } = await exportOnce(exporter);
      expect(result.code).toBe(ExportResultCode.FAILED);
      // In the catalogue's terms, so the SDK's error handler leaves it to the one summary line.
      expect((result.error as { code?: string }).code).toBe('MTR_ERR_SPAN_EXPORT');
      // Loose bound: the 300 ms budget (retries included), never the 2 s answer or an endless wait.
      expect(elapsedMs).toBeLessThan(1500);
      expect(counters.snapshot()).toEqual({ exported: 0, failed: 3, dropped: 0 });
    },
  );
});
