import type { IncomingHttpHeaders } from 'node:http';
import { B3_SINGLE, TRACEPARENT, X_B3_FLAGS, X_B3_SPAN_ID, X_B3_TRACE_ID } from './constants.ts';

export type TraceFormat = 'b3multi' | 'b3' | 'traceparent';

export interface IncomingTraceHeaders {
  /** Which trace formats arrived, whether or not they were valid. */
  readonly formats: readonly TraceFormat[];
  /** B3 debug: `x-b3-flags: 1` or a `d` sampling state in `b3`. */
  readonly debug: boolean;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** What trace headers a request carried; pure, for the JSON echo. Never throws. */
export function describeTraceHeaders(headers: IncomingHttpHeaders): IncomingTraceHeaders {
  const formats: TraceFormat[] = [];
  if (headers[X_B3_TRACE_ID] !== undefined || headers[X_B3_SPAN_ID] !== undefined) formats.push('b3multi');
  const single = first(headers[B3_SINGLE]);
  if (single !== undefined) formats.push('b3');
  if (headers[TRACEPARENT] !== undefined) formats.push('traceparent');
  const debug = first(headers[X_B3_FLAGS])?.trim() === '1' || single?.split('-')[2] === 'd' || single === 'd';
  return { formats, debug };
}
