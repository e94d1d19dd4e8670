import { context, trace } from '@opentelemetry/api';

export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
  trace_flags?: string;
}

/**
 * A pino `mixin`: every line logged while a span is active (inside a request
 * or a loop tick) gets `trace_id`, `span_id` and `trace_flags`, the field names
 * OpenTelemetry's log data model and pino instrumentation use. A new object
 * each call, as pino merges into it.
 */
export function traceLogFields(): TraceLogFields {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}
