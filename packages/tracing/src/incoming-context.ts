import type { IncomingHttpHeaders } from 'node:http';
import { defaultTextMapGetter } from '@opentelemetry/api';
import { readB3 } from './b3.ts';
import { B3_SINGLE, TRACEPARENT, X_B3_SPAN_ID, X_B3_TRACE_ID } from './constants.ts';

export type TraceFormat = 'b3multi' | 'b3' | 'traceparent';

export interface IncomingTraceHeaders {
  /** Which trace formats arrived, whether or not they were valid. */
  readonly formats: readonly TraceFormat[];
  /** B3 debug, read by the same rules as extraction: `x-b3-flags: 1`, `b3: d` or a `d` sampling state. */
  readonly debug: boolean;
}

/** What trace headers a request carried; pure, for the JSON echo. Never throws. */
export function describeTraceHeaders(headers: IncomingHttpHeaders): IncomingTraceHeaders {
  const formats: TraceFormat[] = [];
  if (headers[X_B3_TRACE_ID] !== undefined || headers[X_B3_SPAN_ID] !== undefined) formats.push('b3multi');
  if (headers[B3_SINGLE] !== undefined) formats.push('b3');
  if (headers[TRACEPARENT] !== undefined) formats.push('traceparent');
  return { formats, debug: readB3(headers, defaultTextMapGetter)?.sampling === 'debug' };
}
