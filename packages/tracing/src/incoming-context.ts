import type { IncomingHttpHeaders } from 'node:http';
import { defaultTextMapGetter } from '@opentelemetry/api';
import { readB3 } from './b3.ts';
import { B3_SINGLE, TRACEPARENT, X_B3_SPAN_ID, X_B3_TRACE_ID } from './constants.ts';

export type TraceFormat = 'b3multi' | 'b3' | 'traceparent';

/** Which trace formats arrived, whether or not they were valid; pure, for the JSON echo. Never throws. */
export function receivedFormats(headers: IncomingHttpHeaders): TraceFormat[] {
  const formats: TraceFormat[] = [];
  if (headers[X_B3_TRACE_ID] !== undefined || headers[X_B3_SPAN_ID] !== undefined) formats.push('b3multi');
  if (headers[B3_SINGLE] !== undefined) formats.push('b3');
  if (headers[TRACEPARENT] !== undefined) formats.push('traceparent');
  return formats;
}

/**
 * B3 debug, when tracing is off and nothing was extracted: read by B3's own
 * rules (`x-b3-flags: 1`, `b3: d` or a `d` sampling state). With tracing on,
 * the extracted context says it (hop-report.ts), and B3 is not read twice.
 */
export function carriesB3Debug(headers: IncomingHttpHeaders): boolean {
  return readB3(headers, defaultTextMapGetter)?.sampling === 'debug';
}
