import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { B3_SINGLE } from './constants.ts';
import { isDebugSpan } from './debug-spans.ts';
import { SpanExportError } from './errors.ts';
import type { ExportCounters } from './export-stats.ts';

type Done = (result: ExportResult) => void;
/** A span as the exporter's transform writes it (Zipkin v2 JSON); only the fields read here. */
interface ZipkinSpan {
  readonly id: string;
  debug?: boolean;
}
type SendFn = (zipkinSpans: ZipkinSpan[], done: Done) => void;

/**
 * The upload's only headers. B3 recommends that span reporting carry `b3: 0`:
 * a deny decision with no ids, so that a traced proxy in the path (an Istio
 * sidecar) does not trace the uploads themselves, which would feed the
 * collector spans about its own traffic. No other trace header is sent.
 */
const UPLOAD_HEADERS = { 'content-type': 'application/json', [B3_SINGLE]: '0' } as const;

/**
 * One POST of Zipkin v2 JSON, abandoned after timeoutMs. The stock exporter's
 * send has no timeout: a collector that accepts and never answers would hold
 * a socket and a payload per batch, forever. Spans in `debugIds` get Zipkin's
 * `"debug": true`, which the stock transform never writes.
 */
function timedSend(url: URL, timeoutMs: number, debugIds: () => ReadonlySet<string> | undefined): SendFn {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return (zipkinSpans, done) => {
    const debug = debugIds();
    if (debug) for (const span of zipkinSpans) if (debug.has(span.id)) span.debug = true;
    if (zipkinSpans.length === 0) return done({ code: ExportResultCode.SUCCESS });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS });
    };
    const req = request(
      url,
      { method: 'POST', headers: UPLOAD_HEADERS, signal: AbortSignal.timeout(timeoutMs) },
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

/** A failure in the catalogue's terms: counted and summarised, never logged per batch (sdk-start.ts). */
function asExportError(error: Error | undefined): SpanExportError {
  if (error instanceof SpanExportError) return error;
  // The OTLP exporters' OTLPExporterError carries the HTTP status as a numeric `code`.
  const status = (error as { code?: unknown } | undefined)?.code;
  return new SpanExportError(
    typeof status === 'number' ? `collector answered ${status}` : (error?.message ?? 'unknown'),
  );
}

/**
 * Counts each batch's spans as exported or failed, by the exporter's own
 * verdict, and names the batch's B3 debug spans for the upload.
 */
export class CountingExporter implements SpanExporter {
  private readonly inner: SpanExporter;
  private readonly counters: ExportCounters;
  /** The debug spans of the batch being exported: ZipkinExporter transforms and sends within export(). */
  debugIds: ReadonlySet<string> | undefined;

  constructor(inner: SpanExporter, counters: ExportCounters) {
    this.inner = inner;
    this.counters = counters;
  }

  export(spans: ReadableSpan[], resultCallback: Done): void {
    this.counters.queued -= spans.length;
    this.counters.inFlight += spans.length;
    const debug = spans.filter(isDebugSpan);
    this.debugIds = debug.length === 0 ? undefined : new Set(debug.map((span) => span.spanContext().spanId));
    this.inner.export(spans, (result) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      const error = ok ? undefined : asExportError(result.error);
      const outcome = error ? { code: ExportResultCode.FAILED, error } : result;
      // After shutdown gave up, these spans were already counted as lost.
      if (this.counters.abandoned) return resultCallback(outcome);
      this.counters.inFlight -= spans.length;
      if (ok) this.counters.exported += spans.length;
      else {
        this.counters.failed += spans.length;
        this.counters.noteError(error);
      }
      resultCallback(outcome);
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
  const counting = new CountingExporter(exporter, counters);
  seam._send = timedSend(new URL(options.url), options.timeoutMs, () => counting.debugIds);
  return counting;
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
