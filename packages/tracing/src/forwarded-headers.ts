import type { IncomingHttpHeaders } from 'node:http';
import { FORWARDED_HEADERS } from './constants.ts';

/**
 * The headers from FORWARDED_HEADERS present on an incoming request, copied
 * unchanged for every outgoing call made while serving it. Nothing is invented:
 * a header that did not arrive is not sent.
 */
export function pickForwardedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = incoming[name];
    // Node joins repeated custom headers into one string; an array only appears for set-cookie.
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}
