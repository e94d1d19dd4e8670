import type { IncomingHttpHeaders } from 'node:http';
import { FORWARDED_HEADERS, SAMPLING_REQUEST_HEADERS } from './constants.ts';

/**
 * The headers from FORWARDED_HEADERS present on an incoming request, copied
 * unchanged for every outgoing call made while serving it. Nothing is invented:
 * a header that did not arrive is not sent. A service whose callers are not
 * trusted (`trustedCaller: false`, INCOMING_TRACE_CONTEXT=link) also drops the
 * ones that ask the next tracer to sample (SAMPLING_REQUEST_HEADERS).
 */
export function pickForwardedHeaders(
  incoming: IncomingHttpHeaders,
  options: { readonly trustedCaller?: boolean } = {},
): Record<string, string> {
  const trusted = options.trustedCaller ?? true;
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = incoming[name];
    // Node joins repeated custom headers into one string; an array only appears for set-cookie.
    if (typeof value === 'string' && (trusted || !SAMPLING_REQUEST_HEADERS.has(name))) picked[name] = value;
  }
  return picked;
}
