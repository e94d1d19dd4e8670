import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { SpanExportError } from './errors.ts';
import { B3_SINGLE, b3SamplingOf } from './headers.ts';

/**
 * The Zipkin upload: OpenTelemetry's exporter (its span transform and its
 * POST), given the two things it lacks through public seams only, never its
 * private members:
 * - a time limit on each POST: the stock exporter waits for an answer forever,
 *   so a collector that accepts and never answers would hold a socket and a
 *   payload per batch;
 * - Zipkin's `"debug": true` on the spans of a B3 debug trace ("Debug is an
 *   emphasized accept decision that implies accept, additionally reporting
 *   Span.debug = true for each span in the trace"), which its transform never
 *   writes.
 * The seam: node:http announces every ClientRequest it creates on the
 * diagnostics channel `http.client.request.created`, synchronously inside
 * `http.request()`, before anything is written. ZipkinExporter creates, writes
 * and ends its POST within export(), so an AsyncLocalStorage store entered
 * around export() tells which requests are uploads, and carries that batch's
 * deadline and debug span ids: one immutable store per batch, no state on the
 * exporter. zipkin-upload.test.ts fails if the exporter stops posting this way.
 */

/** One batch's upload: when it is given up, and which of its spans belong to a debug trace. */
interface Upload {
  readonly deadline: AbortSignal;
  readonly debugIds: ReadonlySet<string>;
}
const uploads = new AsyncLocalStorage<Upload>();

/** The exporter writes its Zipkin v2 JSON body with one write(); the debug spans get `"debug": true` in it. */
function withDebug(body: unknown, debugIds: ReadonlySet<string>): unknown {
  if (typeof body !== 'string') return body;
  const spans = JSON.parse(body) as Array<{ id: string; debug?: boolean }>;
  for (const span of spans) if (debugIds.has(span.id)) span.debug = true;
  return JSON.stringify(spans);
}

subscribe('http.client.request.created', (message) => {
  const upload = uploads.getStore();
  if (!upload) return;
  const { request } = message as { request: ClientRequest };
  const giveUp = () => request.destroy();
  upload.deadline.addEventListener('abort', giveUp, { once: true });
  request.once('close', () => upload.deadline.removeEventListener('abort', giveUp));
  if (upload.debugIds.size === 0) return;
  const write = request.write;
  request.write = function writeWithDebug(this: ClientRequest, chunk: unknown, ...rest: unknown[]) {
    return (write as (...args: unknown[]) => boolean).call(this, withDebug(chunk, upload.debugIds), ...rest);
  } as ClientRequest['write'];
});

/**
 * B3 debug lives on the context, which an exported span no longer has: spans
 * started in a debug context are remembered here (weakly: an exported or
 * dropped span is simply collected), for their upload.
 */
const debugSpans = new WeakSet<ReadableSpan>();

/** Marks every span whose parent context carries the B3 debug state; first among the processors. */
export class DebugSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    if (b3SamplingOf(parentContext) === 'debug') debugSpans.add(span);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The Zipkin exporter with every POST given up after `timeoutMs`. Its only
 * trace header is `b3: 0`, set through its public `headers` option: B3
 * recommends it for span reporting, so that a traced proxy in the path (an
 * Istio sidecar) does not trace the uploads, feeding the collector spans about
 * its own traffic.
 */
export function createZipkinExporter(options: { url: string; timeoutMs: number }): SpanExporter {
  const inner = new ZipkinExporter({ url: options.url, headers: { [B3_SINGLE]: '0' } });
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      const deadline = AbortSignal.timeout(options.timeoutMs);
      let settled = false;
      const finish = (result: ExportResult) => {
        if (settled) return;
        settled = true;
        deadline.removeEventListener('abort', onDeadline);
        done(result);
      };
      // Settled here, whatever the request does once destroyed: an answer cut off mid-body included.
      const onDeadline = () =>
        finish({
          code: ExportResultCode.FAILED,
          error: new SpanExportError(`no answer within ${options.timeoutMs} ms`),
        });
      deadline.addEventListener('abort', onDeadline, { once: true });
      const debugIds = new Set(spans.filter((span) => debugSpans.has(span)).map((span) => span.spanContext().spanId));
      uploads.run({ deadline, debugIds }, () => inner.export(spans, finish));
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  };
}
