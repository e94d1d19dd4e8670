import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SpanExportError } from '@meshtrace/service-kit';
import { type Context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ExportCounters } from './export-stats.ts';

type Done = (result: ExportResult) => void;
type SendFn = (zipkinSpans: readonly unknown[], done: Done) => void;

/**
 * One POST of Zipkin v2 JSON, abandoned after timeoutMs. The stock exporter's
 * send has no timeout: a collector that accepts and never answers would hold
 * a socket and a payload per batch, forever.
 */
function timedSend(url: URL, timeoutMs: number): SendFn {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return (zipkinSpans, done) => {
    if (zipkinSpans.length === 0) return done({ code: ExportResultCode.SUCCESS });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS });
    };
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        res.resume();
        res.on('error', (error) => finish(new SpanExportError(error.message)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(status < 400 ? undefined : new SpanExportError(`collector answered ${status}`));
        });
      },
    );
    req.on('error', (error) =>
      finish(new SpanExportError(error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : error.message)),
    );
    req.end(JSON.stringify(zipkinSpans));
  };
}

/** Counts each batch's spans as exported or failed, by the exporter's own verdict. */
class CountingExporter implements SpanExporter {
  private readonly inner: SpanExporter;
  private readonly counters: ExportCounters;

  constructor(inner: SpanExporter, counters: ExportCounters) {
    this.inner = inner;
    this.counters = counters;
  }

  export(spans: ReadableSpan[], resultCallback: Done): void {
    this.counters.queued -= spans.length;
    this.counters.inFlight += spans.length;
    this.inner.export(spans, (result) => {
      // After shutdown gave up, these spans were already counted as lost.
      if (this.counters.abandoned) return resultCallback(result);
      this.counters.inFlight -= spans.length;
      if (result.code === ExportResultCode.SUCCESS) this.counters.exported += spans.length;
      else {
        this.counters.failed += spans.length;
        this.counters.noteError(result.error);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The Zipkin exporter (its span transform is the reference one) with a
 * timeout on every request, counting what it delivers and what it loses.
 */
export function createResilientZipkinExporter(
  options: { url: string; timeoutMs: number },
  counters: ExportCounters,
): SpanExporter {
  const exporter = new ZipkinExporter({ url: options.url });
  // The exporter has no public seam for its HTTP request, only this field.
  const seam = exporter as unknown as { _send?: SendFn };
  if (typeof seam._send !== 'function') throw new Error('@opentelemetry/exporter-zipkin no longer has _send');
  seam._send = timedSend(new URL(options.url), options.timeoutMs);
  return new CountingExporter(exporter, counters);
}

/**
 * Wraps a BatchSpanProcessor to count the spans it drops when its queue is
 * full. It mirrors the queue's length (sampled spans in, minus spans handed to
 * the exporter) because the processor keeps its own count private and resets it.
 */
export class DropCountingProcessor implements SpanProcessor {
  private closed = false;
  private readonly inner: SpanProcessor;
  private readonly maxQueueSize: number;
  private readonly counters: ExportCounters;

  constructor(inner: SpanProcessor, maxQueueSize: number, counters: ExportCounters) {
    this.inner = inner;
    this.maxQueueSize = maxQueueSize;
    this.counters = counters;
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (!this.closed && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) {
      if (this.counters.queued >= this.maxQueueSize) this.counters.dropped++;
      else this.counters.queued++;
    }
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return this.inner.shutdown();
  }
}
