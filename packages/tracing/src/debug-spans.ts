import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { b3SamplingOf } from './trace-state.ts';

/**
 * B3: "Debug is an emphasized accept decision that implies accept, additionally
 * reporting Span.debug = true for each span in the trace." OpenTelemetry spans
 * have no such field, so spans started in a debug context are remembered here
 * (weakly: an exported or dropped span is simply collected) and the Zipkin
 * upload sets `"debug": true` on them (resilient-exporter.ts).
 */
const debugSpans = new WeakSet<ReadableSpan>();

export function isDebugSpan(span: ReadableSpan): boolean {
  return debugSpans.has(span);
}

/** Marks every span whose parent context carries the B3 debug state. */
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
